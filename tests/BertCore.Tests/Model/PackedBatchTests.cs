using BertCore.Nn.Bert;
using Xunit;

namespace BertCore.Tests.Model;

/// <summary><see cref="PackedBatch"/>: from a right-padded batch (positions restart per sequence), and the malformed
/// inputs it refuses with the row or sequence named.</summary>
public class PackedBatchTests
{
    [Fact]
    public void FromPadded_keeps_each_rows_real_tokens_and_restarts_positions()
    {
        var padded = new BertBatch(2, 4, [5, 6, 7, 0, 8, 9, 0, 0], [0, 0, 1, 0, 0, 1, 0, 0], [1, 1, 1, 0, 1, 1, 0, 0]);
        var packed = PackedBatch.FromPadded(padded);
        Assert.Equal([5, 6, 7, 8, 9], packed.InputIds);
        Assert.Equal([0, 0, 1, 0, 1], packed.TokenTypeIds);
        Assert.Equal([0, 3, 5], packed.Offsets);
        Assert.Equal([0, 1, 2, 0, 1], packed.PositionIds());
        Assert.Equal(3, packed.LongestSequence);
    }

    [Fact]
    public void Left_padding_and_empty_rows_are_refused()
    {
        var left = Assert.Throws<ArgumentException>(() => PackedBatch.FromPadded(new BertBatch(1, 3, [0, 5, 6], null, [0, 1, 1])));
        Assert.Contains("row 0 has a real token after padding", left.Message);
        var empty = Assert.Throws<ArgumentException>(() => new PackedBatch([5, 6], [0, 2, 2]));
        Assert.Contains("sequence 1 is empty", empty.Message);
    }
}
