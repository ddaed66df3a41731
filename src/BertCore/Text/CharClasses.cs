using System.Globalization;
using static System.Globalization.UnicodeCategory;

namespace BertCore.Text;

/// <summary>
/// The character classes of Hugging Face's BERT tokenizer (<c>_is_whitespace</c>, <c>_is_control</c>,
/// <c>_is_punctuation</c>, <c>_is_chinese_char</c>), on Unicode code points rather than UTF-16 chars.
/// </summary>
internal static class CharClasses
{
    /// <summary>HF <c>_is_whitespace</c>: space, tab, newline, carriage return, or category Zs (NBSP included).</summary>
    public static bool IsWhitespace(int cp) => cp is ' ' or '\t' or '\n' or '\r' || Category(cp) == SpaceSeparator;

    /// <summary>HF <c>_is_control</c>: any category C* (Cc, Cf, Cs, Co, Cn) except tab, newline and carriage return.</summary>
    public static bool IsControl(int cp) =>
        cp is not ('\t' or '\n' or '\r') && Category(cp) is Control or Format or Surrogate or PrivateUse or OtherNotAssigned;

    /// <summary>HF <c>_is_punctuation</c>: the ASCII non-alphanumeric ranges 33–47, 58–64, 91–96, 123–126, or category P*.</summary>
    public static bool IsPunctuation(int cp) =>
        cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126)
        || Category(cp) is ConnectorPunctuation or DashPunctuation or OpenPunctuation or ClosePunctuation
            or InitialQuotePunctuation or FinalQuotePunctuation or OtherPunctuation;

    /// <summary>HF <c>_is_chinese_char</c>: the CJK Unified Ideographs blocks and their extensions/compatibility blocks.</summary>
    public static bool IsChineseChar(int cp) =>
        cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF)
            or (>= 0x2A700 and <= 0x2B73F) or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF)
            or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    /// <summary>
    /// Python's <c>str.isspace</c>, which HF's <c>str.split()</c> splits on after cleaning: adds U+2028/U+2029
    /// (kept by cleaning, as they are neither Zs nor C*) and the separators U+001C–U+001F to .NET's white space.
    /// </summary>
    public static bool IsSplitSpace(int cp) => cp is >= 0x1C and <= 0x1F || (cp <= char.MaxValue && char.IsWhiteSpace((char)cp));

    /// <summary>Category Mn, the accents that <c>strip_accents</c> removes after NFD.</summary>
    public static bool IsNonSpacingMark(int cp) => Category(cp) == NonSpacingMark;

    /// <summary>Reads the code point at <paramref name="index"/>; a lone surrogate is returned as itself (category Cs).</summary>
    public static int CodePointAt(ReadOnlySpan<char> text, int index, out int length)
    {
        char c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, text[index + 1]);
        }
        length = 1;
        return c;
    }

    /// <summary>Number of code points in <paramref name="text"/> (a surrogate pair counts once), as Python's <c>len</c>.</summary>
    public static int CodePointCount(ReadOnlySpan<char> text)
    {
        int count = 0;
        for (int i = 0, length = 0; i < text.Length; i += length, count++)
            CodePointAt(text, i, out length);
        return count;
    }

    private static UnicodeCategory Category(int cp) => CharUnicodeInfo.GetUnicodeCategory(cp);
}
