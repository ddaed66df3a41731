using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

public class EncodeBatchTests
{
    private static readonly BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    [Fact]
    public void Longest_padding_pads_right_with_pad_id_and_zero_mask()
    {
        var batch = Tokenizer.EncodeBatch(["the cat", "the cat sat on the mat"]);

        Assert.Equal((2, 8), (batch.Batch, batch.SequenceLength));
        Assert.Equal([2, 5, 6, 3, 0, 0, 0, 0, /**/ 2, 5, 6, 7, 8, 5, 9, 3], batch.InputIds);
        Assert.Equal([1, 1, 1, 1, 0, 0, 0, 0, /**/ 1, 1, 1, 1, 1, 1, 1, 1], batch.AttentionMask);
        Assert.Equal(new int[16], batch.TokenTypeIds);
        Assert.Equal(4, batch.Encodings[0].Length);
    }

    [Fact]
    public void Max_length_padding_and_pairs()
    {
        var batch = Tokenizer.EncodeBatch(["the"], ["cat"], maxLength: 6, padding: Padding.MaxLength);

        Assert.Equal(6, batch.SequenceLength);
        Assert.Equal([2, 5, 3, 6, 3, 0], batch.InputIds);
        Assert.Equal([0, 0, 0, 1, 1, 0], batch.TokenTypeIds);
        Assert.Equal([1, 1, 1, 1, 1, 0], batch.AttentionMask);
    }

    [Fact]
    public void No_padding_needs_rows_of_equal_length()
    {
        Assert.Equal(4, Tokenizer.EncodeBatch(["the cat", "dog sat"], padding: Padding.None).SequenceLength);
        Assert.Throws<ArgumentException>(() => Tokenizer.EncodeBatch(["the cat", "the"], padding: Padding.None));
    }

    [Fact]
    public void Rows_longer_than_max_length_padding_and_mismatched_pairs_are_errors()
    {
        Assert.Throws<ArgumentException>(() =>
            Tokenizer.EncodeBatch(["the cat sat"], maxLength: 3, truncation: Truncation.None, padding: Padding.MaxLength));
        Assert.Throws<ArgumentException>(() => Tokenizer.EncodeBatch(["the", "cat"], ["dog"]));
    }

    [Fact]
    public void Truncation_applies_per_row()
    {
        var batch = Tokenizer.EncodeBatch(["the cat sat on the mat", "the"], maxLength: 4);
        Assert.Equal([2, 5, 6, 3, /**/ 2, 5, 3, 0], batch.InputIds);
    }
}
