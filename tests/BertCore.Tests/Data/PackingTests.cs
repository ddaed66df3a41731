using BertCore.Data;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Data;

/// <summary>Sequence packing (<see cref="PretrainingDataOptions.Pack"/>): the corpus cut into full-length runs, and how
/// much padding it saves on WikiText-2.</summary>
public class PackingTests(ITestOutputHelper output)
{
    [Fact]
    public void Packed_examples_tile_the_corpus_in_full_length_runs_across_sentences_and_documents()
    {
        var vocabulary = MemoryCorpus.Vocabulary(words: 40, pieces: 10);
        var corpus = MemoryCorpus.Random(vocabulary, documents: 7, minSentences: 1, maxSentences: 6, minLength: 1, maxLength: 20, seed: 4);
        var examples = ExampleBuilder.Create(corpus, new PretrainingDataOptions { MaxSequenceLength = 16, Pack = true });
        // The oracle: runs of 14 tokens (16 minus [CLS] and [SEP]) starting at 0, 14, 28, ..., the last one the remainder.
        long expectedCount = (corpus.TokenCount + 13) / 14;
        Assert.Equal(expectedCount, examples.Length);
        for (int e = 0; e < examples.Length; e++)
        {
            Assert.Equal(14L * e, examples[e].FirstStart);
            Assert.Equal(e < examples.Length - 1 ? 14 : corpus.TokenCount - 14L * e, examples[e].FirstLength);
            Assert.False(examples[e].IsPair);
        }
        Assert.Throws<ArgumentException>(() => new PretrainingDataOptions { Pack = true, Objective = PretrainingObjective.MlmNsp }.Validate());
    }

    /// <summary>Counts, over one epoch of shuffled batches of 32 at length 128, the positions that are padding. Printed
    /// for the record; the packed stream must have padding only in the one batch holding the short last example.</summary>
    [SharedDataFact]
    public void Packing_removes_the_padding_of_WikiText2()
    {
        using var folder = new TempFolder();
        string text = SharedData.File("corpus", "wikitext-2-raw", "wiki.test.raw");
        string vocab = SharedData.File("vocab", "bert-base-uncased-vocab.txt");
        using var cache = TokenCache.OpenOrBuild(folder.File("tokens.cache"), [text], vocab);
        var vocabulary = Vocabulary.Load(vocab);
        var options = new PretrainingDataOptions { MaxSequenceLength = 128, BatchSize = 32 };
        var (padding, positions) = Padding(new PretrainingBatchSource(cache, vocabulary, options));
        var (packedPadding, packedPositions) = Padding(new PretrainingBatchSource(cache, vocabulary, options with { Pack = true }));
        output.WriteLine($"wiki.test.raw, {cache.TokenCount} tokens, {cache.DocumentCount} documents, batches of 32 x up to 128:");
        output.WriteLine($"  sentences of one document: {padding} of {positions} positions are padding ({100.0 * padding / positions:F1}%)");
        output.WriteLine($"  --pack:                    {packedPadding} of {packedPositions} positions are padding ({100.0 * packedPadding / packedPositions:F2}%)");
        Assert.True(packedPadding < 128, $"packed padding {packedPadding}: only the last example may be short");
        Assert.True(padding > 10 * 128, $"unpacked padding {padding}: WikiText-2's paragraphs are documents, so most sequences end short");
    }

    private static (long Padding, long Positions) Padding(PretrainingBatchSource source)
    {
        using (source)
        {
            long padding = 0, positions = 0;
            int batches = (source.Examples.Count + source.Options.BatchSize - 1) / source.Options.BatchSize;
            for (int b = 0; b < batches; b++)
            {
                var batch = source.Next().Inputs;
                positions += batch.AttentionMask.Length;
                padding += batch.AttentionMask.Count(m => m == 0);
            }
            return (padding, positions);
        }
    }
}
