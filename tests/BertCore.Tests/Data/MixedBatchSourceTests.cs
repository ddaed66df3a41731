using BertCore.Data;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class MixedBatchSourceTests
{
    private const int Batch = 8, Split = 155; // ids below Split are the in-domain corpus's words, from Split on the general corpus's

    private static readonly Vocabulary Vocab = MemoryCorpus.Vocabulary();

    /// <summary>A small in-domain corpus (about 15 examples: it wraps many epochs) and a larger general one, over disjoint ids.</summary>
    private static readonly MemoryCorpus InDomainCorpus = Corpus(firstId: 5, documents: 4, seed: 1);
    private static readonly MemoryCorpus GeneralCorpus = Corpus(firstId: Split, documents: 12, seed: 2);

    private static MemoryCorpus Corpus(int firstId, int documents, int seed)
    {
        var random = new Random(seed);
        return new MemoryCorpus(Enumerable.Range(0, documents)
            .Select(_ => (IReadOnlyList<int[]>)Enumerable.Range(0, random.Next(3, 9))
                .Select(_ => Enumerable.Range(0, random.Next(3, 21)).Select(_ => random.Next(firstId, firstId + 150)).ToArray()).ToList())
            .ToList());
    }

    private static PretrainingDataOptions Options(ulong seed = 42) =>
        new() { Objective = PretrainingObjective.MlmSop, MaxSequenceLength = 32, BatchSize = Batch, Seed = seed };

    private static MixedBatchSource Mixture(double ratio) =>
        new(new PretrainingBatchSource(InDomainCorpus, Vocab, Options(7)), new PretrainingBatchSource(GeneralCorpus, Vocab, Options()), ratio);

    /// <summary>Row r's real tokens with the masked ones put back, [CLS] and [SEP] left out.</summary>
    private static int[] Text(PretrainingBatch batch, int r)
    {
        int s = batch.Inputs.SequenceLength;
        return Enumerable.Range(r * s, s)
            .Where(i => batch.Inputs.AttentionMask[i] == 1)
            .Select(i => batch.MlmLabels[i] == Masker.Ignore ? batch.Inputs.InputIds[i] : batch.MlmLabels[i])
            .Where(id => !Vocab.IsSpecial(id))
            .ToArray();
    }

    /// <summary>Row r as a string: its ids, the positions masked and the relation label (what a row is, whatever the padding).</summary>
    private static string Row(PretrainingBatch batch, int r)
    {
        int s = batch.Inputs.SequenceLength, length = batch.Inputs.AttentionMask.AsSpan(r * s, s).Count(1);
        return $"{string.Join(',', batch.Inputs.InputIds.AsSpan(r * s, length).ToArray())}|{string.Join(',', batch.MlmLabels.AsSpan(r * s, length).ToArray())}|" +
            $"{string.Join(',', batch.Inputs.TokenTypeIds.AsSpan(r * s, length).ToArray())}|{batch.RelationLabels![r]}";
    }

    /// <summary>Whether row r comes from the in-domain corpus (every word of it is below <see cref="Split"/>; a row of both fails).</summary>
    private static bool IsInDomain(PretrainingBatch batch, int r)
    {
        int[] text = Text(batch, r);
        bool low = text.All(id => id < Split), high = text.All(id => id >= Split);
        Assert.True(low != high, $"row {r} mixes the corpora: {string.Join(',', text)}");
        return low;
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    [InlineData(0.8)]
    public void The_in_domain_share_is_within_one_sequence_of_the_ratio_after_every_batch(double ratio)
    {
        // The schedule is deterministic (sequence g is in-domain when floor((g + 1) R) > floor(g R)), so the bound is
        // exact, not statistical: after n sequences floor(n R) are in-domain, and a batch holds floor(B R) or ceil(B R).
        using MixedBatchSource source = Mixture(ratio);
        long inDomain = 0;
        for (int b = 1; b <= 250; b++)
        {
            PretrainingBatch batch = source.Next();
            int rows = Enumerable.Range(0, Batch).Count(r => IsInDomain(batch, r));
            inDomain += rows;
            long n = (long)b * Batch;
            Assert.True(Math.Abs(inDomain - n * ratio) < 1, $"after {n} sequences {inDomain} are in-domain, expected {n * ratio}");
            Assert.InRange(rows, (int)Math.Floor(Batch * ratio), (int)Math.Ceiling(Batch * ratio));
        }
        Assert.Equal(250 * Batch, source.Position["sequence"]);
    }

    [Fact]
    public void Each_corpus_is_visited_in_the_order_and_with_the_masks_its_own_stream_has()
    {
        using MixedBatchSource source = Mixture(0.3);
        var inDomainRows = new List<string>();
        var generalRows = new List<string>();
        for (int b = 0; b < 40; b++)
        {
            PretrainingBatch batch = source.Next();
            for (int r = 0; r < Batch; r++)
                (IsInDomain(batch, r) ? inDomainRows : generalRows).Add(Row(batch, r));
        }

        static List<string> Alone(MemoryCorpus corpus, PretrainingDataOptions options, int count)
        {
            PretrainingBatch batch = new PretrainingBatchSource(corpus, Vocab, options with { BatchSize = count }).Next();
            return Enumerable.Range(0, count).Select(r => Row(batch, r)).ToList();
        }
        Assert.Equal(96, inDomainRows.Count);   // floor(320 · 0.3), several epochs of the small corpus
        Assert.Equal(Alone(InDomainCorpus, Options(7), inDomainRows.Count), inDomainRows);
        Assert.Equal(Alone(GeneralCorpus, Options(), generalRows.Count), generalRows);
    }

    [Fact]
    public void Seek_continues_the_mixture_bitwise_and_refuses_a_position_saved_with_another_ratio()
    {
        using MixedBatchSource source = Mixture(0.3);
        for (int i = 0; i < 11; i++)
            source.Next();
        var position = source.Position.ToDictionary();
        var expected = Enumerable.Range(0, 6).Select(_ => source.Next()).ToArray();

        using MixedBatchSource resumed = Mixture(0.3);
        resumed.Seek(position);

        for (int i = 0; i < expected.Length; i++)
        {
            PretrainingBatch batch = resumed.Next();
            Assert.Equal(expected[i].Inputs.InputIds, batch.Inputs.InputIds);
            Assert.Equal(expected[i].Inputs.TokenTypeIds, batch.Inputs.TokenTypeIds);
            Assert.Equal(expected[i].Inputs.AttentionMask, batch.Inputs.AttentionMask);
            Assert.Equal(expected[i].MlmLabels, batch.MlmLabels);
            Assert.Equal(expected[i].RelationLabels, batch.RelationLabels);
        }
        Assert.Equal(source.Position, resumed.Position);

        using MixedBatchSource other = Mixture(0.5);
        var error = Assert.Throws<ArgumentException>(() => other.Seek(position));
        Assert.StartsWith("The data position was saved with in-domain ratio 0.3, not 0.5.", error.Message);
    }

    [Fact]
    public void Ratios_outside_zero_to_one_and_sources_that_cannot_share_a_batch_are_refused()
    {
        var a = new PretrainingBatchSource(InDomainCorpus, Vocab, Options());
        var b = new PretrainingBatchSource(GeneralCorpus, Vocab, Options());
        var longer = new PretrainingBatchSource(GeneralCorpus, Vocab, Options() with { MaxSequenceLength = 64 });

        Assert.Throws<ArgumentException>(() => new MixedBatchSource(a, b, 0));
        Assert.Throws<ArgumentException>(() => new MixedBatchSource(a, b, 1));
        Assert.Throws<ArgumentException>(() => new MixedBatchSource(a, b, double.NaN));
        Assert.Contains("same vocabulary, objective, sequence length", Assert.Throws<ArgumentException>(() => new MixedBatchSource(a, longer, 0.5)).Message);
    }
}
