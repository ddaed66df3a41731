namespace BertCore.Data.Tasks;

/// <summary>
/// Converts between UTF-16 indices (C# strings, <see cref="Text.Encoding.Offsets"/>) and code-point indices
/// (Python strings: SQuAD's <c>answer_start</c>). They differ only in text with characters outside the Basic
/// Multilingual Plane (emoji, rare CJK), which take two UTF-16 units and one code point.
/// </summary>
public static class CodePoints
{
    /// <summary>The UTF-16 index of code point <paramref name="codePointIndex"/> of <paramref name="text"/>, or -1 when it is past the end.</summary>
    public static int ToUtf16Index(string text, int codePointIndex)
    {
        if (codePointIndex < 0)
            return -1;
        int utf16 = 0;
        for (int cp = 0; cp < codePointIndex; cp++)
        {
            if (utf16 >= text.Length)
                return -1;
            utf16 += char.IsHighSurrogate(text[utf16]) && utf16 + 1 < text.Length && char.IsLowSurrogate(text[utf16 + 1]) ? 2 : 1;
        }
        return utf16 <= text.Length ? utf16 : -1;
    }

    /// <summary>The code-point index of UTF-16 index <paramref name="utf16Index"/> (a low surrogate counts with its pair).</summary>
    public static int FromUtf16Index(string text, int utf16Index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(utf16Index, text.Length);
        int codePoints = 0;
        for (int i = 0; i < utf16Index; i++)
            if (!(char.IsLowSurrogate(text[i]) && i > 0 && char.IsHighSurrogate(text[i - 1])))
                codePoints++;
        return codePoints;
    }
}
