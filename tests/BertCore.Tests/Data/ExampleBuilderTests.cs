using BertCore.Data;
using Xunit;

namespace BertCore.Tests.Data;

public class ExampleBuilderTests
{
    private static readonly BertCore.Text.Vocabulary Vocab = MemoryCorpus.Vocabulary();

    /// <summary>200 documents of 2–30 sentences of 3–30 tokens, 5% of sentences longer (up to 120 tokens).</summary>
    private static readonly MemoryCorpus Corpus = MemoryCorpus.Random(Vocab, documents: 200, minSentences: 2, maxSentences: 30,
        minLength: 3, maxLength: 30, seed: 1, longSentences: 0.05);

    private static PretrainingExample[] Create(PretrainingObjective objective, int maxLength = 64, double shortProbability = 0.1, ulong seed = 1) =>
        ExampleBuilder.Create(Corpus, new PretrainingDataOptions
        {
            Objective = objective, MaxSequenceLength = maxLength, ShortSequenceProbability = shortProbability, Seed = seed,
        });

    [Theory]
    [InlineData(PretrainingObjective.Mlm, 64)]
    [InlineData(PretrainingObjective.MlmNsp, 64)]
    [InlineData(PretrainingObjective.MlmSop, 64)]
    [InlineData(PretrainingObjective.MlmNsp, 8)]
    [InlineData(PretrainingObjective.MlmSop, 5)]
    public void Examples_fit_the_maximum_length_and_pairs_have_two_non_empty_segments(PretrainingObjective objective, int maxLength)
    {
        PretrainingExample[] examples = Create(objective, maxLength);

        Assert.NotEmpty(examples);
        Assert.All(examples, e =>
        {
            Assert.InRange(e.Length, 3, maxLength);
            Assert.True(e.FirstLength >= 1);
            Assert.Equal(objective != PretrainingObjective.Mlm, e.IsPair);
            Assert.Equal(e.IsPair ? e.FirstLength + e.SecondLength + 3 : e.FirstLength + 2, e.Length);
            if (e.IsPair)
                Assert.True(e.SecondLength >= 1);
        });
    }

    [Fact]
    public void Mlm_examples_tile_each_document_with_whole_sentences_up_to_the_maximum()
    {
        const int max = 64 - 2;
        PretrainingExample[] examples = Create(PretrainingObjective.Mlm, shortProbability: 0);

        long position = 0;
        for (int i = 0; i < examples.Length; i++)
        {
            PretrainingExample e = examples[i];
            long end = e.FirstStart + e.FirstLength;
            Assert.Equal(position, e.FirstStart); // no token lost or repeated
            Assert.Equal(Corpus.DocumentOf(e.FirstStart), Corpus.DocumentOf(end - 1));
            bool lastOfDocument = end == Corpus.TokenCount || Corpus.DocumentOf(end) != Corpus.DocumentOf(e.FirstStart);
            if (e.FirstLength < max && !lastOfDocument)
            {
                // Ends on a sentence boundary, and the next sentence would not have fit.
                Assert.True(Corpus.IsSentenceBoundary(end));
                long nextEnd = end + 1;
                while (!Corpus.IsSentenceBoundary(nextEnd))
                    nextEnd++;
                Assert.True(nextEnd - e.FirstStart > max, $"example {i} stops early");
            }
            position = end;
        }
        Assert.Equal(Corpus.TokenCount, position);
    }

    [Fact]
    public void Short_sequences_appear_at_the_requested_rate()
    {
        // Sentences of 3–30 tokens: aiming at 126, an example stops at 97 tokens or more unless its document ends.
        var corpus = MemoryCorpus.Random(Vocab, documents: 100, minSentences: 20, maxSentences: 60, minLength: 3, maxLength: 30, seed: 3);
        double ShortFraction(double probability)
        {
            var examples = ExampleBuilder.Create(corpus, new PretrainingDataOptions { MaxSequenceLength = 128, ShortSequenceProbability = probability });
            var notLast = examples.Where(e => corpus.DocumentOf(e.FirstStart) == corpus.DocumentOf(e.FirstStart + e.FirstLength)).ToArray();
            return (double)notLast.Count(e => e.FirstLength < 67) / notLast.Length;
        }

        Assert.Equal(0.0, ShortFraction(0));
        // Half the targets are uniform in [2, 126]: 26% below 67, and up to 12% more stop below 67 for a sentence that does not fit.
        Assert.InRange(ShortFraction(0.5), 0.2, 0.45);
    }

    [Fact]
    public void Nsp_pairs_a_true_continuation_or_a_random_other_document_half_the_time()
    {
        PretrainingExample[] examples = Create(PretrainingObjective.MlmNsp);

        Binomial.AssertRate(examples.Count(e => e.Relation == 1), examples.Length, 0.5, "random next");
        foreach (PretrainingExample e in examples)
        {
            int documentA = Corpus.DocumentOf(e.FirstStart), documentB = Corpus.DocumentOf(e.SecondStart);
            Assert.Equal(documentA, Corpus.DocumentOf(e.FirstStart + e.FirstLength - 1));
            Assert.Equal(documentB, Corpus.DocumentOf(e.SecondStart + e.SecondLength - 1));
            if (e.Relation == 0)
            {
                Assert.Equal(documentA, documentB);
                // B follows A; truncation may have dropped tokens from A's back and B's front (fewer than one segment).
                Assert.InRange(e.SecondStart - (e.FirstStart + e.FirstLength), 0, 64);
            }
            else
                Assert.NotEqual(documentA, documentB);
        }
    }

    [Fact]
    public void Sop_swaps_consecutive_segments_half_the_time()
    {
        PretrainingExample[] examples = Create(PretrainingObjective.MlmSop);

        Binomial.AssertRate(examples.Count(e => e.Relation == 1), examples.Length, 0.5, "swapped");
        foreach (PretrainingExample e in examples)
        {
            Assert.Equal(Corpus.DocumentOf(e.FirstStart), Corpus.DocumentOf(e.SecondStart + e.SecondLength - 1));
            long gap = e.Relation == 0 ? e.SecondStart - (e.FirstStart + e.FirstLength) : e.FirstStart - (e.SecondStart + e.SecondLength);
            Assert.InRange(gap, 0, 64);
        }
    }

    [Fact]
    public void Examples_depend_only_on_the_seed()
    {
        Assert.Equal(Create(PretrainingObjective.MlmNsp, seed: 5), Create(PretrainingObjective.MlmNsp, seed: 5));
        Assert.NotEqual(Create(PretrainingObjective.MlmNsp, seed: 5), Create(PretrainingObjective.MlmNsp, seed: 6));
    }

    [Fact]
    public void With_a_single_document_nsp_takes_its_random_segment_from_that_document()
    {
        var corpus = MemoryCorpus.Random(Vocab, documents: 1, minSentences: 200, maxSentences: 200, minLength: 3, maxLength: 30, seed: 2);
        var examples = ExampleBuilder.Create(corpus, new PretrainingDataOptions { Objective = PretrainingObjective.MlmNsp, MaxSequenceLength = 64 });

        Binomial.AssertRate(examples.Count(e => e.Relation == 1), examples.Length, 0.5, "random next");
    }
}
