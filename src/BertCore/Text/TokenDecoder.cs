namespace BertCore.Text;

/// <summary>Hugging Face's BERT detokenization: <c>convert_tokens_to_string</c> then <c>clean_up_tokenization</c>.</summary>
internal static class TokenDecoder
{
    /// <summary>Joins tokens with spaces, glues <c>##</c> pieces to their word, and removes the spaces English punctuation does not take.</summary>
    public static string Join(IEnumerable<string> tokens)
    {
        string text = Strip(string.Join(' ', tokens).Replace(" ##", "", StringComparison.Ordinal));
        return text
            .Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal)
            .Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal)
            .Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
    }

    /// <summary>Python's <c>str.strip()</c>.</summary>
    private static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && CharClasses.IsSplitSpace(text[start]))
            start++;
        while (end > start && CharClasses.IsSplitSpace(text[end - 1]))
            end--;
        return text[start..end];
    }
}
