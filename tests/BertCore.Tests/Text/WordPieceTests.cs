using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

public class WordPieceTests
{
    private static readonly WordPiece Model = new(ToyVocab.Tokens);

    [Fact]
    public void Greedy_longest_match_with_continuation_prefix()
    {
        Assert.Equal(["dog", "##s", "run", "##ning"], Model.Tokenize("dogs running"));
    }

    [Fact]
    public void A_word_that_cannot_be_spelled_is_one_unknown_token()
    {
        Assert.Equal(["[UNK]", "cat"], Model.Tokenize("dogx cat"));
    }

    [Fact]
    public void Words_over_100_code_points_are_unknown()
    {
        Assert.Equal(100, Model.Tokenize(new string('a', 100)).Count);
        Assert.Equal(["[UNK]"], Model.Tokenize(new string('a', 101)));
    }

    [Fact]
    public void The_limit_counts_code_points_not_utf16_chars()
    {
        // U+1D41A is a surrogate pair: 100 of them are 200 UTF-16 chars but 100 code points, as Python counts.
        string hundred = string.Concat(Enumerable.Repeat("\U0001D41A", 100));
        Assert.Equal(["\U0001D41A", .. Enumerable.Repeat("##\U0001D41A", 99)], Model.Tokenize(hundred));
        Assert.Equal(["[UNK]"], Model.Tokenize(hundred + "\U0001D41A"));
    }

    [Fact]
    public void Pieces_report_their_char_range_in_the_word()
    {
        var pieces = new List<WordPiece.Piece>();
        Model.Split("running", pieces);
        Assert.Equal([new WordPiece.Piece(12, 0, 3), new WordPiece.Piece(13, 3, 7)], pieces);
    }
}
