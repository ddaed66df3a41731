namespace BertCore.Data;

/// <summary>
/// One document of a corpus: its sentences (or paragraphs) in order, none of them blank, and where it starts
/// (the file and the 1-based line of its first sentence, for error messages).
/// </summary>
public sealed record CorpusDocument(string Path, int Line, IReadOnlyList<string> Sentences);
