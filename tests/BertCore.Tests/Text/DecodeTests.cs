using Xunit;

namespace BertCore.Tests.Text;

public class DecodeTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    [Fact]
    public void Pieces_join_and_punctuation_spaces_are_cleaned_up()
    {
        int[] ids = [2, 10, 11, 12, 13, 15, 26, 18, 27, 14, 3]; // [CLS] dog ##s run ##ning , can ' t . [SEP]
        Assert.Equal("dogs running, can't.", Tokenizer.Decode(ids));
        Assert.Equal("[CLS] dogs running, can't. [SEP]", Tokenizer.Decode(ids, skipSpecialTokens: false));
    }

    [Fact]
    public void Skipping_special_tokens_also_drops_unk_and_pad()
    {
        Assert.Equal("the cat", Tokenizer.Decode([2, 5, 1, 6, 3, 0, 0]));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_are_an_error()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([5, ToyVocab.Tokens.Length]));
    }
}
