using System.Globalization;
using System.Text;

namespace BertCore.Metrics;

/// <summary>
/// Python 3 <c>str</c> semantics that the official SQuAD script relies on, written for C# strings:
/// <c>str.lower()</c>, <c>str.isspace()</c> (what <c>str.split()</c> splits on) and the <c>\w</c> class of
/// <c>re</c> (what <c>\b</c> is defined by).
/// </summary>
internal static class PythonText
{
    /// <summary>
    /// <c>str.lower()</c>: the simple lower-case mapping of every code point, plus Python's two full mappings:
    /// U+0130 (İ) becomes "i̇" (i + U+0307) and capital sigma becomes final sigma ς at the end of a word
    /// (Unicode's Final_Sigma context, as CPython's <c>handle_capital_sigma</c> tests it).
    /// </summary>
    public static string Lower(string s)
    {
        int[] codePoints = CodePoints(s);
        var result = new StringBuilder(s.Length);
        for (int i = 0; i < codePoints.Length; i++)
        {
            int c = codePoints[i];
            if (c == 0x130)
                result.Append("i\u0307");
            else if (c == 0x3A3)
                result.Append(IsFinalSigma(codePoints, i) ? 'ς' : 'σ');
            else if (Rune.IsValid(c))
                result.Append(Rune.ToLowerInvariant(new Rune(c)).ToString());
            else
                result.Append((char)c); // a lone surrogate: Python keeps it
        }
        return result.ToString();
    }

    /// <summary>The code points of <paramref name="s"/>; a lone surrogate counts as one (as in a Python string).</summary>
    public static int[] CodePoints(string s)
    {
        var codePoints = new List<int>(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                codePoints.Add(char.ConvertToUtf32(s[i], s[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(s[i]);
            }
        }
        return codePoints.ToArray();
    }

    /// <summary><c>str.isspace()</c> for one char: .NET's white space plus the separators U+001C … U+001F.</summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>Whether code point <paramref name="c"/> is in <c>re</c>'s <c>\w</c>: a letter, a number (Nd, Nl, No) or '_'.</summary>
    public static bool IsWordChar(int c) => c == '_' || Category(c) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
        or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber;

    /// <summary><c>str.split()</c> with no argument: runs of white space separate words; no empty words.</summary>
    public static List<string> Split(string s)
    {
        var words = new List<string>();
        int start = -1;
        for (int i = 0; i <= s.Length; i++)
        {
            bool space = i == s.Length || IsSpace(s[i]);
            if (space && start >= 0)
            {
                words.Add(s[start..i]);
                start = -1;
            }
            else if (!space && start < 0)
            {
                start = i;
            }
        }
        return words;
    }

    /// <summary>Capital sigma at <paramref name="i"/> follows a cased letter and precedes none (case-ignorable characters skipped).</summary>
    private static bool IsFinalSigma(int[] codePoints, int i)
    {
        int j = i - 1;
        while (j >= 0 && IsCaseIgnorable(codePoints[j]))
            j--;
        if (j < 0 || !IsCased(codePoints[j]))
            return false;
        j = i + 1;
        while (j < codePoints.Length && IsCaseIgnorable(codePoints[j]))
            j++;
        return j == codePoints.Length || !IsCased(codePoints[j]);
    }

    /// <summary>Unicode's Cased property: upper, lower and title-case letters (the Other_Lowercase/Other_Uppercase extras are rare and left out).</summary>
    private static bool IsCased(int c) => Category(c) is
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    /// <summary>Unicode's Case_Ignorable property: marks, format characters, modifiers, and the word-internal punctuation ' . : · ‘ ’ and kin.</summary>
    private static bool IsCaseIgnorable(int c) =>
        Category(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.Format
            or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol
        || c is 0x27 or 0x2E or 0x3A or 0xB7 or 0x387 or 0x55F or 0x5F4 or 0x2018 or 0x2019 or 0x2024 or 0x2027
            or 0xFE13 or 0xFE52 or 0xFE55 or 0xFF07 or 0xFF0E or 0xFF1A;

    /// <summary>The Unicode category of a code point; a lone surrogate is <see cref="UnicodeCategory.Surrogate"/>.</summary>
    private static UnicodeCategory Category(int c) =>
        Rune.IsValid(c) ? Rune.GetUnicodeCategory(new Rune(c)) : UnicodeCategory.Surrogate;
}
