namespace BertCore.Data;

/// <summary>
/// A tokenized corpus: documents made of consecutive sentences, each sentence a non-empty run of token ids, all
/// stored back to back (sentence s + 1 starts where sentence s ends, document d + 1 where document d ends), so
/// any run of consecutive sentences of a document is one contiguous token range.
/// </summary>
public interface ITokenCorpus
{
    /// <summary>Number of documents (at least 1).</summary>
    int DocumentCount { get; }

    /// <summary>Number of sentences, over all documents.</summary>
    int SentenceCount { get; }

    /// <summary>Number of tokens, over all sentences.</summary>
    long TokenCount { get; }

    /// <summary>The sentences [First, End) of document <paramref name="document"/> (never empty).</summary>
    (int First, int End) DocumentSentences(int document);

    /// <summary>The token offset where sentence <paramref name="sentence"/> starts; <see cref="SentenceCount"/> gives <see cref="TokenCount"/>.</summary>
    long SentenceStart(int sentence);

    /// <summary>The ids of tokens [start, start + length).</summary>
    ReadOnlySpan<int> Tokens(long start, int length);
}
