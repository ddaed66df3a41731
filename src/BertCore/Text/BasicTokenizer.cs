using System.Text;

namespace BertCore.Text;

/// <summary>
/// BERT's basic tokenization (Hugging Face <c>BasicTokenizer</c>): clean the text, isolate CJK ideographs, split on
/// white space, lower-case and strip accents, split off punctuation. Immutable and thread-safe.
/// </summary>
/// <remarks>
/// <para>Per code point, in this order: NUL, U+FFFD and control characters (category C*, except tab/newline/CR) are
/// dropped without breaking the word they sit in; white space (space, tab, newline, CR, Zs, and whatever Python's
/// <c>str.split</c> splits on) ends a word; a CJK ideograph is a word of its own. Each word then, unless it is in
/// <c>neverSplit</c>, has its accents stripped (NFD, drop category Mn) when <see cref="StripAccents"/> and is
/// lower-cased when <see cref="LowerCase"/>, and every punctuation character becomes a word of its own.</para>
/// <para>Where HF's Python tokenizer and its Rust <c>tokenizers</c> port (BertTokenizerFast, whose offsets this
/// project reproduces) disagree, this follows the Rust one, like the original Google BERT code: no NFC
/// normalization before splitting (Python added one in 2023), lower-casing per character (so no Greek final-sigma
/// rule), and accents stripped before lower-casing. Lower-casing is Unicode's full mapping (U+0130 becomes
/// "i" + U+0307), as in both.</para>
/// </remarks>
public sealed class BasicTokenizer
{
    private readonly HashSet<string> _neverSplit;

    /// <summary>Creates a basic tokenizer with Hugging Face's options and defaults.</summary>
    /// <param name="lowerCase">HF <c>do_lower_case</c>.</param>
    /// <param name="stripAccents">HF <c>strip_accents</c>; null follows <paramref name="lowerCase"/>.</param>
    /// <param name="tokenizeChineseChars">HF <c>tokenize_chinese_chars</c>: each CJK ideograph is a word.</param>
    /// <param name="splitOnPunctuation">HF <c>do_split_on_punc</c>.</param>
    /// <param name="removeControlChars">HF <c>remove_control_chars</c>; NUL and U+FFFD are dropped regardless.</param>
    /// <param name="neverSplit">White-space-delimited words left exactly as they are (HF <c>never_split</c>).</param>
    public BasicTokenizer(
        bool lowerCase = true,
        bool? stripAccents = null,
        bool tokenizeChineseChars = true,
        bool splitOnPunctuation = true,
        bool removeControlChars = true,
        IEnumerable<string>? neverSplit = null)
    {
        LowerCase = lowerCase;
        StripAccents = stripAccents ?? lowerCase;
        TokenizeChineseChars = tokenizeChineseChars;
        SplitOnPunctuation = splitOnPunctuation;
        RemoveControlChars = removeControlChars;
        _neverSplit = new HashSet<string>(neverSplit ?? [], StringComparer.Ordinal);
    }

    /// <summary>Whether words are lower-cased.</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents (category Mn after NFD) are removed.</summary>
    public bool StripAccents { get; }

    /// <summary>Whether each CJK ideograph is a separate word.</summary>
    public bool TokenizeChineseChars { get; }

    /// <summary>Whether punctuation characters are split into words of their own.</summary>
    public bool SplitOnPunctuation { get; }

    /// <summary>Whether control characters (category C*) are dropped.</summary>
    public bool RemoveControlChars { get; }

    /// <summary>Splits <paramref name="text"/> into normalized words, as HF <c>BasicTokenizer.tokenize</c>.</summary>
    public IReadOnlyList<string> Tokenize(string text)
    {
        var words = new PreTokenized();
        PreTokenize(text, 0, text.Length, words);
        return words.Words.Select(w => new string(words.Chars(w))).ToArray();
    }

    /// <summary>Appends the words of <paramref name="text"/>[start, end) to <paramref name="output"/>, aligned to the original chars.</summary>
    internal void PreTokenize(string text, int start, int end, PreTokenized output)
    {
        ReadOnlySpan<char> span = text.AsSpan(0, end);
        int wordStart = -1;
        for (int i = start, length; i < end; i += length)
        {
            int cp = CharClasses.CodePointAt(span, i, out length);
            if (IsDropped(cp))
                continue;
            if (CharClasses.IsWhitespace(cp) || CharClasses.IsSplitSpace(cp))
            {
                AddWord(span, wordStart, i, output);
                wordStart = -1;
            }
            else if (TokenizeChineseChars && CharClasses.IsChineseChar(cp))
            {
                AddWord(span, wordStart, i, output);
                AddWord(span, i, i + length, output);
                wordStart = -1;
            }
            else if (wordStart < 0)
            {
                wordStart = i;
            }
        }
        AddWord(span, wordStart, end, output);
    }

    private bool IsDropped(int cp) => cp is 0 or 0xFFFD || (RemoveControlChars && CharClasses.IsControl(cp));

    /// <summary>Normalizes the white-space-delimited word text[start, end) and splits it on punctuation.</summary>
    private void AddWord(ReadOnlySpan<char> text, int start, int end, PreTokenized output)
    {
        if (start < 0)
            return;
        output.EndWord();
        if (_neverSplit.Count > 0 && _neverSplit.Contains(KeptChars(text, start, end)))
        {
            for (int i = start, length; i < end; i += length)
            {
                int cp = CharClasses.CodePointAt(text, i, out length);
                if (!IsDropped(cp))
                    output.Append(cp, i, i + length);
            }
            output.EndWord();
            return;
        }
        for (int i = start, length; i < end; i += length)
        {
            int cp = CharClasses.CodePointAt(text, i, out length);
            if (!IsDropped(cp))
                AppendNormalized(cp, i, i + length, output);
        }
        output.EndWord();
    }

    /// <summary>Strips accents from and lower-cases one original code point, splitting off punctuation.</summary>
    private void AppendNormalized(int cp, int start, int end, PreTokenized output)
    {
        if (cp < 0x80 || !Rune.IsValid(cp) || !(LowerCase || StripAccents))
        {
            Emit(LowerCase && cp is >= 'A' and <= 'Z' ? cp + ('a' - 'A') : cp, start, end, output);
            return;
        }
        string decomposed = StripAccents ? new Rune(cp).ToString().Normalize(NormalizationForm.FormD) : new Rune(cp).ToString();
        foreach (Rune rune in decomposed.EnumerateRunes())
        {
            if (StripAccents && CharClasses.IsNonSpacingMark(rune.Value))
                continue;
            if (!LowerCase)
                Emit(rune.Value, start, end, output);
            else if (rune.Value == 0x130)
            {
                // Unicode's full lower-case mapping; .NET's invariant casing leaves U+0130 unchanged.
                Emit('i', start, end, output);
                Emit(0x307, start, end, output);
            }
            else
                Emit(Rune.ToLowerInvariant(rune).Value, start, end, output);
        }
    }

    private void Emit(int cp, int start, int end, PreTokenized output)
    {
        if (SplitOnPunctuation && CharClasses.IsPunctuation(cp))
        {
            output.EndWord();
            output.Append(cp, start, end);
            output.EndWord();
        }
        else
        {
            output.Append(cp, start, end);
        }
    }

    private string KeptChars(ReadOnlySpan<char> text, int start, int end)
    {
        var kept = new StringBuilder(end - start);
        for (int i = start, length; i < end; i += length)
        {
            int cp = CharClasses.CodePointAt(text, i, out length);
            if (!IsDropped(cp))
                kept.Append(text.Slice(i, length));
        }
        return kept.ToString();
    }
}
