using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

public class TruncationTests
{
    private static readonly BertTokenizer Tokenizer = ToyVocab.Tokenizer();
    private const string Six = "the cat sat on the mat"; // 5 6 7 8 5 9
    private const string Two = "dog dog";                // 10 10

    [Fact]
    public void Longest_first_cuts_the_longer_segment_one_token_at_a_time()
    {
        // 6 + 2 + 3 specials = 11; removing 4 from the longer leaves 2 + 2.
        var e = Tokenizer.Encode(Six, Two, maxLength: 7);
        Assert.Equal([2, 5, 6, 3, 10, 10, 3], e.Ids);
        Assert.Equal([(0, 0), (0, 3), (4, 7), (0, 0), (0, 3), (4, 7), (0, 0)], e.Offsets);
        Assert.Equal(7, e.WordIds.Count);
    }

    [Fact]
    public void Longest_first_takes_from_the_second_segment_on_a_tie()
    {
        // 4 + 4: (4,4) -> (4,3) -> (3,3) -> (3,2).
        var e = Tokenizer.Encode("the cat sat on", "dog dog dog dog", maxLength: 8);
        Assert.Equal([2, 5, 6, 7, 3, 10, 10, 3], e.Ids);
    }

    [Fact]
    public void Longest_first_on_a_single_text_keeps_its_head()
    {
        Assert.Equal([2, 5, 6, 7, 3], Tokenizer.Encode(Six, maxLength: 5).Ids);
        Assert.Equal([2, 3], Tokenizer.Encode(Six, maxLength: 2).Ids);
    }

    [Fact]
    public void Only_first_and_only_second_cut_one_segment()
    {
        Assert.Equal([2, 5, 6, 3, 10, 10, 3], Tokenizer.Encode(Six, Two, maxLength: 7, truncation: Truncation.OnlyFirst).Ids);
        Assert.Equal([2, 10, 10, 3, 5, 6, 3], Tokenizer.Encode(Two, Six, maxLength: 7, truncation: Truncation.OnlySecond).Ids);
    }

    [Fact]
    public void A_segment_too_short_to_absorb_the_cut_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => Tokenizer.Encode(Six, Two, maxLength: 7, truncation: Truncation.OnlySecond));
        Assert.Throws<ArgumentException>(() => Tokenizer.Encode(Two, Six, maxLength: 7, truncation: Truncation.OnlyFirst));
        Assert.Throws<ArgumentException>(() => Tokenizer.Encode(Six, maxLength: 5, truncation: Truncation.OnlySecond));
    }

    [Fact]
    public void None_returns_an_over_long_input_whole()
    {
        Assert.Equal(11, Tokenizer.Encode(Six, Two, maxLength: 7, truncation: Truncation.None).Length);
    }

    [Fact]
    public void Max_length_counts_special_tokens_only_when_they_are_added()
    {
        Assert.Equal([5, 6, 7], Tokenizer.Encode(Six, maxLength: 3, addSpecialTokens: false).Ids);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Encode(Six, Two, maxLength: 2));
    }

    [Fact]
    public void Inputs_that_fit_are_untouched()
    {
        Assert.Equal(11, Tokenizer.Encode(Six, Two, maxLength: 11).Length);
    }
}
