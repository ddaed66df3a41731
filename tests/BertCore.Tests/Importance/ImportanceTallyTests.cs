using BertCore.Data;
using BertCore.Inference.Importance;
using BertCore.Tests.IO;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Importance;

/// <summary>
/// <see cref="ImportanceTally"/>'s weights, worked out by hand, and its file read back by the reader pretraining
/// uses (<see cref="ImportanceWeights"/>).
/// </summary>
public class ImportanceTallyTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>[PAD] [UNK] [CLS] [SEP] [MASK] then ids 5.. "good", "the", "film", "never".</summary>
    private static readonly Vocabulary Vocab = new([.. Vocabulary.SpecialTokens, "good", "the", "film", "never"]);

    /// <summary>good 3 of 4 important, the 0 of 4, film 1 of 2; "never" is never seen. K = 4 of N = 10: r = 0.4.</summary>
    private static ImportanceTally Tally()
    {
        var tally = new ImportanceTally(Vocab.Count);
        tally.Add([5, 6, 7], [true, false, true]);
        tally.Add([6, 5, 5, 6], [false, true, true, false]);
        tally.Add([5, 6, 7], [false, false, false]);
        return tally;
    }

    [Fact]
    public void Weights_are_smoothed_important_fractions_relative_to_the_corpus_and_unseen_tokens_are_left_out()
    {
        var tally = Tally();
        Assert.Equal((3, 10L, 4L), (tally.Sentences, tally.Occurrences, tally.Important));
        // m = 2: good (3 + 0.8) / (4 + 2) / 0.4 = 1.58333, film (1 + 0.8) / (2 + 2) / 0.4 = 1.125, the 0.8 / 6 / 0.4 = 0.33333.
        var weights = tally.Weights(smoothing: 2);
        Assert.Equal([5, 7, 6], weights.Select(w => w.Id));
        Assert.Equal([(3L, 4L), (1L, 2L), (0L, 4L)], weights.Select(w => (w.Important, w.Occurrences)));
        Assert.Equal([1.583333, 1.125, 0.333333], weights.Select(w => Math.Round(w.Weight, 6)));
        // m = 0: the raw fractions over r (0.75 / 0.4, 0.5 / 0.4, 0): a token never important is never masked.
        Assert.Equal([1.875, 1.25, 0], tally.Weights(smoothing: 0).Select(w => Math.Round(w.Weight, 6)));
    }

    [Fact]
    public void The_file_reads_back_through_the_pretraining_reader_as_the_same_weights_and_unlisted_tokens_weigh_1()
    {
        string path = _folder.File("importance.tsv");
        var written = Tally().Write(path, Vocab, smoothing: 2);
        Assert.Equal(["good\t1.5833334", "film\t1.125", "the\t0.33333334"], File.ReadAllLines(path));
        var read = ImportanceWeights.Load(path, Vocab);
        foreach (var w in written) Assert.Equal((float)w.Weight, read[w.Id]);
        foreach (int unlisted in new[] { 0, 1, 2, 3, 4, 8 }) Assert.Equal(1f, read[unlisted]);
    }

    [Fact]
    public void When_no_token_is_important_every_weight_is_1()
    {
        var tally = new ImportanceTally(Vocab.Count);
        tally.Add([5, 6], [false, false]);
        Assert.All(tally.Weights(smoothing: 10), w => Assert.Equal(1.0, w.Weight));
    }

    [Fact]
    public void Mismatched_judgments_foreign_ids_another_vocabulary_and_negative_smoothing_are_refused()
    {
        var tally = new ImportanceTally(Vocab.Count);
        Assert.Throws<ArgumentException>(() => tally.Add([5, 6], [true]));
        Assert.Throws<ArgumentException>(() => tally.Add([5, 9], [true, false]));
        Assert.Equal(0, tally.Occurrences);   // nothing of a refused sentence is counted
        Assert.Throws<ArgumentException>(() => Tally().Write(_folder.File("x.tsv"), new Vocabulary(Vocabulary.SpecialTokens), 1));
        Assert.False(File.Exists(_folder.File("x.tsv")));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tally().Weights(-1));
    }
}
