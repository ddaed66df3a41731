namespace BertCore.Data.Tasks;

/// <summary>One sentence of a token-classification file: its words and one tag per word.</summary>
/// <param name="Words">The words (tokens of the CoNLL file), in order.</param>
/// <param name="Tags">One IOB2 tag per word (O, B-type, I-type); null when unlabeled (prediction input).</param>
/// <param name="Line">The 1-based line of the sentence's first word (for error messages).</param>
public sealed record TaggedSentence(IReadOnlyList<string> Words, IReadOnlyList<string>? Tags, int Line);

/// <summary>The sentences of one CoNLL file.</summary>
/// <param name="Path">The file.</param>
/// <param name="Sentences">The sentences in file order.</param>
/// <param name="Documents">Number of <c>-DOCSTART-</c> lines (0 for files without document markers).</param>
/// <param name="ConvertedTags">Number of IOB1 <c>I-</c> tags rewritten as <c>B-</c> (0 for IOB2 input or when conversion is off).</param>
public sealed record ConllDataset(string Path, IReadOnlyList<TaggedSentence> Sentences, int Documents, int ConvertedTags)
{
    /// <summary>Number of words over all sentences.</summary>
    public int WordCount => Sentences.Sum(s => s.Words.Count);

    /// <summary>The distinct tags of the file, sorted ordinally (Hugging Face <c>run_ner.py</c>'s label order).</summary>
    public LabelVocabulary Labels() => LabelVocabulary.FromLabels(Sentences.SelectMany(s => s.Tags ?? []));
}
