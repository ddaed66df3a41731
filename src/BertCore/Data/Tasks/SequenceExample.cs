namespace BertCore.Data.Tasks;

/// <summary>
/// One example of a sequence task (single-sentence or sentence-pair classification, or regression), as read from
/// a file.
/// </summary>
/// <param name="Text">The sentence (the first one of a pair).</param>
/// <param name="TextPair">The second sentence of a pair; null for single-sentence tasks.</param>
/// <param name="Label">The label as written in the file (a class name, an integer, or a score); null when unlabeled.</param>
/// <param name="Value">The label parsed as a number when the file was read with <see cref="LabelKind.Numeric"/>; otherwise null.</param>
/// <param name="Line">The 1-based line of the file where the example starts (for error messages).</param>
public sealed record SequenceExample(string Text, string? TextPair, string? Label, float? Value, int Line);

/// <summary>The examples of one file and the columns they were read from.</summary>
/// <param name="Path">The file.</param>
/// <param name="Examples">The examples in file order.</param>
/// <param name="TextColumn">The column (or JSON field) that gave <see cref="SequenceExample.Text"/>.</param>
/// <param name="PairColumn">The column that gave <see cref="SequenceExample.TextPair"/>; null for single sentences.</param>
/// <param name="LabelColumn">The column that gave the labels; null when the file has none.</param>
public sealed record SequenceDataset(
    string Path, IReadOnlyList<SequenceExample> Examples, string TextColumn, string? PairColumn, string? LabelColumn)
{
    /// <summary>Whether the examples are sentence pairs.</summary>
    public bool IsPair => PairColumn is not null;
}
