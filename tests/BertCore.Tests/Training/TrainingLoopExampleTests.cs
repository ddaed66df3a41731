using BertCore.Examples;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>examples/TrainingLoop, run briefly through its own code.</summary>
public class TrainingLoopExampleTests
{
    /// <summary>The loss starts near ln(64) ≈ 4.16 (a random model's near-uniform prediction) and falls: over 100 steps
    /// the mean of the last ten is below half the mean of the first ten, and every loss is finite. (At 150 steps the
    /// example's own run printed 4.13 at step 10 and 0.68 at step 150.)</summary>
    [Fact]
    public void The_example_loss_falls()
    {
        var losses = TrainingLoopExample.Train(steps: 100).ToArray();
        Assert.Equal(Enumerable.Range(1, 100), losses.Select(l => l.Step));
        Assert.All(losses, l => Assert.True(double.IsFinite(l.Loss)));
        double first = losses[..10].Average(l => l.Loss), last = losses[^10..].Average(l => l.Loss);
        Assert.True(first > 3.5, $"first ten steps' mean loss {first}");
        Assert.True(last < first / 2, $"mean loss of the first ten steps {first}, of the last ten {last}: {string.Join(", ", losses.Select(l => l.Loss.ToString("F3")))}");
    }
}
