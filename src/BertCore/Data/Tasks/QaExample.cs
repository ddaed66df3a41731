namespace BertCore.Data.Tasks;

/// <summary>A reference answer of an extractive QA question.</summary>
/// <param name="Text">The answer text.</param>
/// <param name="Start">UTF-16 index of the answer in the context (SQuAD files count code points; the reader converts).</param>
public sealed record QaAnswer(string Text, int Start)
{
    /// <summary>UTF-16 index just past the answer in the context.</summary>
    public int End => Start + Text.Length;
}

/// <summary>One question about one context (SQuAD v1.1: every question has at least one answer in the context).</summary>
/// <param name="Id">The question id (SQuAD ids such as <c>56beb4343aeaaa14008c925b</c>).</param>
/// <param name="Title">The article title ("" when absent).</param>
/// <param name="Context">The paragraph the answer is taken from.</param>
/// <param name="Question">The question.</param>
/// <param name="Answers">The reference answers (the first one is the training target); may be empty for prediction input.</param>
/// <param name="Line">1-based line where the question's JSON object starts.</param>
public sealed record QaExample(string Id, string Title, string Context, string Question, IReadOnlyList<QaAnswer> Answers, int Line);

/// <summary>The questions of one SQuAD-format file.</summary>
/// <param name="Path">The file.</param>
/// <param name="Examples">The questions in file order.</param>
/// <param name="Articles">Number of articles (<c>data</c> entries).</param>
/// <param name="Paragraphs">Number of paragraphs (contexts).</param>
/// <param name="DroppedAnswers">One message per answer left out because it did not match its context (only when asked to drop them).</param>
public sealed record QaDataset(string Path, IReadOnlyList<QaExample> Examples, int Articles, int Paragraphs, IReadOnlyList<string> DroppedAnswers);
