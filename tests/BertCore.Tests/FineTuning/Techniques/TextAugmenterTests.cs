using BertCore.Data;
using BertCore.Data.Tasks;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class TextAugmenterTests
{
    private static readonly string[] Words = ["the", "film", "is", "a", "quiet", "and", "moving", "portrait", "of", "grief"];

    private static RandomStream Stream(ulong a) => new(1, RandomPurpose.Augmentation, a);

    [Fact]
    public void Swap_exchanges_two_positions_and_keeps_the_words()
    {
        for (ulong k = 0; k < 50; k++)
        {
            var words = Words.ToList();
            TextAugmenter.Apply(AugmentOperation.Swap, words, Stream(k));
            var changed = Enumerable.Range(0, Words.Length).Where(i => words[i] != Words[i]).ToArray();
            Assert.Equal(2, changed.Length);   // the words are distinct, so a swap of two positions changes exactly two
            Assert.Equal(Words[changed[0]], words[changed[1]]);
            Assert.Equal(Words[changed[1]], words[changed[0]]);
        }
    }

    [Fact]
    public void Delete_removes_one_word_and_keeps_the_order_of_the_others()
    {
        var removed = new HashSet<string>();
        for (ulong k = 0; k < 50; k++)
        {
            var words = Words.ToList();
            TextAugmenter.Apply(AugmentOperation.Delete, words, Stream(k));
            string gone = Assert.Single(Words.Except(words));
            removed.Add(gone);
            Assert.Equal(Words.Where(w => w != gone), words);
        }
        Assert.True(removed.Count > 5, "the deleted word should vary");
        var single = new List<string> { "only" };
        TextAugmenter.Apply(AugmentOperation.Delete, single, Stream(0));
        Assert.Equal(["only"], single);
    }

    [Fact]
    public void Insert_adds_a_copy_of_a_word_of_the_sentence()
    {
        for (ulong k = 0; k < 50; k++)
        {
            var words = Words.ToList();
            TextAugmenter.Apply(AugmentOperation.Insert, words, Stream(k));
            Assert.Equal(Words.Length + 1, words.Count);
            // Removing one of the two copies of the repeated word gives back the sentence.
            string twice = Assert.Single(words.GroupBy(w => w), g => g.Count() == 2).Key;
            Assert.Contains(Enumerable.Range(0, words.Count), i => words[i] == twice && words.Where((_, j) => j != i).SequenceEqual(Words));
        }
    }

    [Fact]
    public void Copies_are_deterministic_per_seed_and_keep_the_labels()
    {
        var examples = new[]
        {
            new SequenceExample(string.Join(' ', Words), null, "1", null, 2),
            new SequenceExample("a dull , lifeless film", "it bored me", "0", null, 3),
        };
        var a = new TextAugmenter(seed: 5).Expand(examples, copies: 2);
        Assert.Equal(a, new TextAugmenter(seed: 5).Expand(examples, copies: 2));
        Assert.NotEqual(a, new TextAugmenter(seed: 6).Expand(examples, copies: 2));
        Assert.Equal(6, a.Count);
        Assert.Equal(examples, a.Take(2));
        Assert.Equal(["1", "0", "1", "0", "1", "0"], a.Select(e => e.Label));
        Assert.Equal([2, 3, 2, 3, 2, 3], a.Select(e => e.Line));
        Assert.NotNull(a[3].TextPair);
        // One edit per 10 words (at least one): a copy of the 10-word text is one swap, deletion or insertion away.
        int length = a[2].Text.Split(' ').Length;
        Assert.InRange(length, 9, 11);
        Assert.Equal(a[2], new TextAugmenter(seed: 5).Expand([examples[0]], copies: 1)[1]);   // independent of the other examples
    }

    [Fact]
    public void A_job_adds_the_copies_and_rejects_ner()
    {
        using var jobs = new TechniqueJobs();
        var options = new FineTunerOptions { OutputDirectory = jobs.Folder.File("out") };
        using var plain = jobs.Classify(options);
        using var augmented = jobs.Classify(options, augment: 2);
        Assert.Equal(3 * plain.Tuner.Train.File.Count, augmented.Tuner.Train.File.Count);
        var error = Assert.Throws<ArgumentException>(() => jobs.Classify(options, augment: 1, task: TaskKind.Ner));
        Assert.Contains("not ner", error.Message);
    }
}
