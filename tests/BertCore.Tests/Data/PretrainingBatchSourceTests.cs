using BertCore.Data;
using BertCore.Tests.IO;
using BertCore.Tests.Text;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class PretrainingBatchSourceTests
{
    private static readonly Vocabulary Vocab = MemoryCorpus.Vocabulary();

    /// <summary>A small corpus: about 40 examples of up to 64 tokens, so a dozen batches of 8 cross two epochs.</summary>
    private static readonly MemoryCorpus Corpus = MemoryCorpus.Random(Vocab, documents: 12, minSentences: 3, maxSentences: 12,
        minLength: 3, maxLength: 25, seed: 4);

    private static PretrainingDataOptions Options(PretrainingObjective objective = PretrainingObjective.MlmNsp,
        MaskingStrategy masking = MaskingStrategy.Token, int batch = 8) =>
        new() { Objective = objective, Masking = masking, MaxSequenceLength = 64, BatchSize = batch, Seed = 42 };

    private static void AssertSame(PretrainingBatch expected, PretrainingBatch actual, string what)
    {
        Assert.True(expected.Inputs.Batch == actual.Inputs.Batch && expected.Inputs.SequenceLength == actual.Inputs.SequenceLength, what + ": shape");
        Assert.True(expected.Inputs.InputIds.SequenceEqual(actual.Inputs.InputIds), what + ": input ids");
        Assert.True(expected.Inputs.TokenTypeIds.SequenceEqual(actual.Inputs.TokenTypeIds), what + ": token type ids");
        Assert.True(expected.Inputs.AttentionMask.SequenceEqual(actual.Inputs.AttentionMask), what + ": attention mask");
        Assert.True(expected.MlmLabels.SequenceEqual(actual.MlmLabels), what + ": labels");
        Assert.Equal(expected.RelationLabels, actual.RelationLabels);
    }

    /// <summary>Row <paramref name="r"/>'s real tokens with the masked ones put back.</summary>
    private static int[] Unmasked(PretrainingBatch batch, int r)
    {
        int s = batch.Inputs.SequenceLength;
        return Enumerable.Range(r * s, s)
            .Where(i => batch.Inputs.AttentionMask[i] == 1)
            .Select(i => batch.MlmLabels[i] == Masker.Ignore ? batch.Inputs.InputIds[i] : batch.MlmLabels[i])
            .ToArray();
    }

    /// <summary>[CLS] A [SEP] (B [SEP]) straight from the corpus.</summary>
    private static int[] LaidOut(PretrainingExample e) => e.IsPair
        ? [Vocab.ClsId, .. Corpus.Tokens(e.FirstStart, e.FirstLength), Vocab.SepId, .. Corpus.Tokens(e.SecondStart, e.SecondLength), Vocab.SepId]
        : [Vocab.ClsId, .. Corpus.Tokens(e.FirstStart, e.FirstLength), Vocab.SepId];

    [Theory]
    [InlineData(PretrainingObjective.MlmNsp, false)]
    [InlineData(PretrainingObjective.MlmSop, true)]
    [InlineData(PretrainingObjective.Mlm, false)]
    public void Rows_are_laid_out_as_cls_a_sep_b_sep_with_segment_ids_masks_and_padding(PretrainingObjective objective, bool padToMax)
    {
        var source = PretrainingBatchSource.HeldOut(Corpus, Vocab, Options(objective) with { PadToMaxLength = padToMax });
        int k = 0;
        foreach (PretrainingBatch batch in source.OnePass())
        {
            int s = batch.Inputs.SequenceLength;
            var examples = source.Examples.Skip(k).Take(batch.Inputs.Batch).ToArray();
            Assert.Equal(padToMax ? 64 : examples.Max(e => e.Length), s);
            Assert.Equal(objective == PretrainingObjective.Mlm ? null : examples.Select(e => e.Relation), batch.RelationLabels);
            for (int r = 0; r < examples.Length; r++)
            {
                PretrainingExample e = examples[r];
                Assert.Equal(LaidOut(e), Unmasked(batch, r));
                int firstSegment = e.FirstLength + 2;
                for (int i = 0; i < s; i++)
                {
                    int at = r * s + i;
                    Assert.Equal(i < e.Length ? 1 : 0, batch.Inputs.AttentionMask[at]);
                    Assert.Equal(i >= firstSegment && i < e.Length ? 1 : 0, batch.Inputs.TokenTypeIds[at]);
                    if (i >= e.Length)
                        Assert.Equal((Vocab.PadId, Masker.Ignore), (batch.Inputs.InputIds[at], batch.MlmLabels[at]));
                }
                Assert.Equal(Vocab.ClsId, batch.Inputs.InputIds[r * s]);
                Assert.Equal(Vocab.SepId, batch.Inputs.InputIds[r * s + e.FirstLength + 1]);
                Assert.Equal(Vocab.SepId, batch.Inputs.InputIds[r * s + e.Length - 1]);
            }
            k += examples.Length;
        }
        Assert.Equal(source.Examples.Count, k);
    }

    [Fact]
    public void Each_epoch_visits_every_example_once_in_a_new_order()
    {
        int n = new PretrainingBatchSource(Corpus, Vocab, Options()).Examples.Count;
        var source = new PretrainingBatchSource(Corpus, Vocab, Options(batch: n));
        string[] inOrder = source.Examples.Select(e => string.Join(',', LaidOut(e))).ToArray();

        string[] Epoch()
        {
            PretrainingBatch batch = source.Next();
            return Enumerable.Range(0, n).Select(r => string.Join(',', Unmasked(batch, r))).ToArray();
        }
        string[] first = Epoch(), second = Epoch();

        Assert.Equal(inOrder.Order(), first.Order());
        Assert.Equal(inOrder.Order(), second.Order());
        Assert.NotEqual(inOrder, first);
        Assert.NotEqual(first, second);
        Assert.Equal(2, source.Position["epoch"]);
        Assert.Equal(0, source.Position["index"]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Masks_are_redrawn_every_epoch_unless_dynamic_masking_is_off(bool dynamic)
    {
        int n = new PretrainingBatchSource(Corpus, Vocab, Options()).Examples.Count;
        var source = new PretrainingBatchSource(Corpus, Vocab, Options(batch: n) with { Shuffle = false, DynamicMasking = dynamic });

        PretrainingBatch first = source.Next(), second = source.Next();
        int s = first.Inputs.SequenceLength;
        int differ = Enumerable.Range(0, n).Count(r => !first.MlmLabels.AsSpan(r * s, s).SequenceEqual(second.MlmLabels.AsSpan(r * s, s)));

        Assert.Equal(dynamic ? n : 0, differ);
    }

    [Theory]
    [InlineData(PretrainingObjective.MlmNsp, MaskingStrategy.Token)]
    [InlineData(PretrainingObjective.MlmSop, MaskingStrategy.WholeWord)]
    [InlineData(PretrainingObjective.Mlm, MaskingStrategy.Span)]
    public void Seek_continues_the_stream_bitwise_across_epochs(PretrainingObjective objective, MaskingStrategy masking)
    {
        var source = new PretrainingBatchSource(Corpus, Vocab, Options(objective, masking));
        Assert.InRange(source.Examples.Count, 20, 12 * 8 / 2); // so 12 batches of 8 cross at least two epoch boundaries
        for (int i = 0; i < 7; i++)
            source.Next();
        var position = source.Position.ToDictionary();
        var expected = Enumerable.Range(0, 5).Select(_ => source.Next()).ToArray();

        var resumed = new PretrainingBatchSource(Corpus, Vocab, Options(objective, masking));
        resumed.Seek(position);

        for (int i = 0; i < expected.Length; i++)
            AssertSame(expected[i], resumed.Next(), $"batch {8 + i}");
        Assert.Equal(source.Position, resumed.Position);
    }

    [Fact]
    public void The_stream_is_a_function_of_the_seed()
    {
        var a = new PretrainingBatchSource(Corpus, Vocab, Options());
        var b = new PretrainingBatchSource(Corpus, Vocab, Options());
        var c = new PretrainingBatchSource(Corpus, Vocab, Options() with { Seed = 43 });
        for (int i = 0; i < 3; i++)
        {
            PretrainingBatch batch = a.Next();
            AssertSame(batch, b.Next(), $"batch {i}");
            Assert.False(batch.Inputs.InputIds.SequenceEqual(c.Next().Inputs.InputIds));
        }
    }

    [Fact]
    public void Seek_rejects_a_position_from_other_data_or_options()
    {
        var source = new PretrainingBatchSource(Corpus, Vocab, Options());
        source.Next();
        var position = source.Position;

        Assert.Throws<ArgumentException>(() => new PretrainingBatchSource(Corpus, Vocab, Options() with { Seed = 7 }).Seek(position));
        Assert.Throws<ArgumentException>(() => new PretrainingBatchSource(Corpus, Vocab, Options(batch: 4)).Seek(position));
        Assert.Throws<ArgumentException>(() => source.Seek(new Dictionary<string, long> { ["epoch"] = 0, ["index"] = 0 }));
        Assert.Throws<ArgumentException>(() => source.Seek(new Dictionary<string, long>(position) { ["index"] = 100_000 }));
    }

    [Fact]
    public void One_pass_is_fixed_covers_every_example_once_and_leaves_the_position_alone()
    {
        var source = PretrainingBatchSource.HeldOut(Corpus, Vocab, Options(batch: 6));
        var before = source.Position;

        var first = source.OnePass().ToArray();
        var second = source.OnePass().ToArray();

        Assert.Equal(before, source.Position);
        Assert.Equal((source.Examples.Count + 5) / 6, first.Length);
        Assert.Equal(source.Examples.Count, first.Sum(b => b.Inputs.Batch));
        for (int i = 0; i < first.Length; i++)
            AssertSame(first[i], second[i], $"batch {i}");
    }

    [Fact]
    public void Open_builds_a_token_cache_of_text_files_once_and_batches_come_from_it()
    {
        using var dir = new TempFolder();
        string vocab = dir.File("vocab.txt"), text = dir.File("corpus.txt"), cacheFolder = dir.File("cache");
        File.WriteAllLines(vocab, ToyVocab.Tokens);
        File.WriteAllText(text, "The cat sat on the mat.\nThe dog sat.\n\nHello, world!\nCats running.\n");
        var options = new PretrainingDataOptions { Objective = PretrainingObjective.Mlm, MaxSequenceLength = 64, BatchSize = 4 };
        var tokenizer = ToyVocab.Tokenizer();

        PretrainingBatch batch;
        using (var source = PretrainingBatchSource.Open([text], vocab, lowercase: true, cacheFolder, options, heldOut: true))
            batch = source.OnePass().Single();

        Assert.Equal(2, batch.Inputs.Batch);
        Assert.Equal("the cat sat on the mat. the dog sat.", tokenizer.Decode(Unmasked(batch, 0)));
        Assert.Equal("hello, world! cats running.", tokenizer.Decode(Unmasked(batch, 1)));
        string cache = Assert.Single(Directory.GetFiles(cacheFolder));
        DateTime written = File.GetLastWriteTimeUtc(cache);
        using (var again = PretrainingBatchSource.Open([text], vocab, lowercase: true, cacheFolder, options, heldOut: true))
            AssertSame(batch, again.OnePass().Single(), "reopened");
        Assert.Equal(written, File.GetLastWriteTimeUtc(cache));
    }
}
