using Xunit;

namespace BertCore.Tests.Text;

public class BertTokenizerEncodeTests
{
    private static readonly BertCore.Text.BertTokenizer Uncased = ToyVocab.Tokenizer();

    [Fact]
    public void Offsets_point_into_the_original_text_across_tabs_newlines_accents_and_cjk()
    {
        //           0    5 6   10 12 14 15  18 20
        string text = "Hello\tcafé\n\n博物,naïve!";
        var e = Uncased.Encode(text);

        Assert.Equal(["[CLS]", "hello", "cafe", "博", "物", ",", "na", "##ive", "!", "[SEP]"], e.Tokens);
        Assert.Equal([(0, 0), (0, 5), (6, 10), (12, 13), (13, 14), (14, 15), (15, 17), (17, 20), (20, 21), (0, 0)], e.Offsets);
        Assert.Equal([-1, 0, 1, 2, 3, 4, 5, 5, 6, -1], e.WordIds);
        Assert.Equal([-1, 0, 0, 0, 0, 0, 0, 0, 0, -1], e.SequenceIds);
        Assert.All(e.AttentionMask, m => Assert.Equal(1, m));
    }

    [Fact]
    public void A_removed_control_character_stays_inside_its_tokens_span()
    {
        var e = Uncased.Encode("ca\u200Bfe", addSpecialTokens: false);
        Assert.Equal(["cafe"], e.Tokens);
        Assert.Equal([(0, 5)], e.Offsets);
    }

    [Fact]
    public void Offsets_are_utf16_indices()
    {
        var e = Uncased.Encode("the \U0001F600 cat", addSpecialTokens: false);
        Assert.Equal(["the", "[UNK]", "cat"], e.Tokens);
        Assert.Equal([(0, 3), (4, 6), (7, 10)], e.Offsets);
    }

    [Fact]
    public void Special_tokens_in_the_text_are_kept_whole_and_case_sensitive()
    {
        var e = Uncased.Encode("the[MASK] sat [mask]", addSpecialTokens: false);
        Assert.Equal(["the", "[MASK]", "sat", "[UNK]", "[UNK]", "[UNK]"], e.Tokens);
        Assert.Equal([(0, 3), (3, 9), (10, 13), (14, 15), (15, 19), (19, 20)], e.Offsets);
        Assert.Equal([0, 1, 2, 3, 4, 5], e.WordIds);
    }

    [Fact]
    public void Cased_tokenizer_keeps_case_and_accents()
    {
        var cased = ToyVocab.Tokenizer(lowercase: false);
        Assert.Equal(["Cat", "[UNK]", "cat"], cased.Tokenize("Cat café cat"));
    }

    [Fact]
    public void Pair_layout_segment_ids_and_offsets_relative_to_each_text()
    {
        var e = Uncased.Encode("the cat", "dogs run");

        Assert.Equal([2, 5, 6, 3, 10, 11, 12, 3], e.Ids);
        Assert.Equal([0, 0, 0, 0, 1, 1, 1, 1], e.TypeIds);
        Assert.Equal([-1, 0, 0, -1, 1, 1, 1, -1], e.SequenceIds);
        Assert.Equal([(0, 0), (0, 3), (4, 7), (0, 0), (0, 3), (3, 4), (5, 8), (0, 0)], e.Offsets);
        Assert.Equal([-1, 0, 1, -1, 0, 0, 1, -1], e.WordIds);
    }

    [Fact]
    public void Empty_and_white_space_texts_give_only_the_special_tokens()
    {
        Assert.Equal([2, 3], Uncased.Encode("").Ids);
        Assert.Equal([2, 3, 3], Uncased.Encode(" \t\n", "\u00A0").Ids);
        Assert.Empty(Uncased.Encode("", addSpecialTokens: false).Ids);
    }

    [Fact]
    public void Tokenize_has_no_special_tokens_added()
    {
        Assert.Equal(["the", "cat", "sat", "."], Uncased.Tokenize("The cat sat."));
    }

    [Fact]
    public void Concurrent_encoding_gives_the_same_results_as_sequential()
    {
        string[] texts = Enumerable.Range(0, 200).Select(i => $"The cat sat on mat {i}, dogs running! 博物 naïve").ToArray();
        var expected = texts.Select(t => Uncased.Encode(t, "the dog")).ToArray();
        var actual = new BertCore.Text.Encoding[texts.Length];

        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = Uncased.Encode(texts[i], "the dog"));

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i].Ids, actual[i].Ids);
            Assert.Equal(expected[i].Offsets, actual[i].Offsets);
        }
    }
}
