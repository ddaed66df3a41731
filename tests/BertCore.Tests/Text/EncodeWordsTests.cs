using Xunit;

namespace BertCore.Tests.Text;

public class EncodeWordsTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    [Fact]
    public void Word_ids_are_input_word_indices_and_offsets_are_within_each_word()
    {
        var e = Tokenizer.EncodeWords(["Hello", "dogs", "cat,", "!"]);

        Assert.Equal(["[CLS]", "hello", "dog", "##s", "cat", ",", "!", "[SEP]"], e.Tokens);
        Assert.Equal([-1, 0, 1, 1, 2, 2, 3, -1], e.WordIds);
        Assert.Equal([(0, 0), (0, 5), (0, 3), (3, 4), (0, 3), (3, 4), (0, 1), (0, 0)], e.Offsets);
    }

    [Fact]
    public void Words_without_tokens_leave_a_gap_in_word_ids()
    {
        var e = Tokenizer.EncodeWords(["the", "", "\u200B", "cat"], addSpecialTokens: false);
        Assert.Equal([0, 3], e.WordIds);
    }

    [Fact]
    public void Pairs_of_word_lists_are_truncated_like_texts()
    {
        var e = Tokenizer.EncodeWords(["the", "cat", "sat"], ["dogs"], maxLength: 6);
        Assert.Equal([2, 5, 6, 3, 10, 3], e.Ids);
        Assert.Equal([-1, 0, 1, -1, 0, -1], e.WordIds);
    }
}
