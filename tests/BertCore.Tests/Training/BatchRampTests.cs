using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

public class BatchRampTests
{
    [Fact]
    public void Each_count_gets_an_equal_share_of_the_ramp_then_the_full_count_stays()
    {
        // From 1 to 4 micro-batches over the first half: counts 1, 2, 3, 4 each over an eighth of the run.
        var ramp = new BatchRamp(StartMicroBatches: 1, Fraction: 0.5);
        int[] counts = Enumerable.Range(0, 17).Select(i => ramp.MicroBatches(4, i / 16.0)).ToArray();
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], counts);
        Assert.Throws<ArgumentException>(() => new BatchRamp(5, 0.5).Validate(4));
        Assert.Throws<ArgumentException>(() => new BatchRamp(1, 0).Validate(4));
    }
}
