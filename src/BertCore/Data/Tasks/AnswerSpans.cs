namespace BertCore.Data.Tasks;

/// <summary>Checks a reference answer against its context, as the QA readers do for every answer.</summary>
internal static class AnswerSpans
{
    /// <summary>
    /// Locates answer <paramref name="text"/> at code point <paramref name="codePointStart"/> of
    /// <paramref name="context"/> (SQuAD's <c>answer_start</c>); returns why it does not match, or null with the
    /// answer (UTF-16 start) in <paramref name="answer"/>.
    /// </summary>
    public static string? Locate(string context, string text, int codePointStart, out QaAnswer? answer)
    {
        answer = null;
        int start = CodePoints.ToUtf16Index(context, codePointStart);
        if (start < 0 || start + text.Length > context.Length)
            return $"answer '{text}' at answer_start {codePointStart} runs past the end of the context ({CodePoints.FromUtf16Index(context, context.Length)} characters)";
        if (string.CompareOrdinal(context, start, text, 0, text.Length) != 0)
        {
            string found = context.Substring(start, text.Length);
            int elsewhere = context.IndexOf(text, StringComparison.Ordinal);
            string hint = elsewhere < 0 ? "the answer text is nowhere in the context" : $"the text occurs at {CodePoints.FromUtf16Index(context, elsewhere)}";
            return $"answer '{text}' does not match the context at answer_start {codePointStart}: the context has '{found}' there ({hint})";
        }
        answer = new QaAnswer(text, start);
        return null;
    }
}
