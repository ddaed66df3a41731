using BertCore.Training.Electra;
using Xunit;

namespace BertCore.Tests.Training.Electra;

/// <summary>The sampler draws from softmax(logits): Pearson's chi-square of many draws from one fixed row against the
/// softmax probabilities, and the draws as a pure function of (seed, counter).</summary>
public class SoftmaxSamplerTests
{
    [Fact]
    public void Draws_follow_the_softmax_distribution()
    {
        float[] row = [2.0f, 0.5f, -1.0f, 1.5f, 0.0f, -3.0f, 1.0f, 3.0f];   // probabilities from 0.001 to 0.45
        const int draws = 200_000;
        var logits = new float[draws * row.Length];
        for (int i = 0; i < draws; i++) row.CopyTo(logits, i * row.Length);
        var tokens = new int[draws];
        SoftmaxSampler.Sample(logits, row.Length, seed: 7, counter: 1000, tokens);

        double max = row.Max(), total = row.Sum(x => Math.Exp(x - max));
        var counts = new int[row.Length];
        foreach (var t in tokens) counts[t]++;
        double chiSquare = 0;
        for (int k = 0; k < row.Length; k++)
        {
            double expected = draws * Math.Exp(row[k] - max) / total;
            chiSquare += (counts[k] - expected) * (counts[k] - expected) / expected;
        }
        // 7 degrees of freedom: P(χ² > 24.32) = 0.001. The draws are fixed by the seed, so this is deterministic; a
        // sampler off by a temperature of 1.02 or one that never draws the last category lands far above it.
        Assert.True(chiSquare < 24.32, $"chi-square {chiSquare:F2} with 7 degrees of freedom (counts {string.Join(", ", counts)})");
    }

    [Fact]
    public void Draws_are_a_function_of_seed_and_counter()
    {
        float[] logits = Enumerable.Range(0, 6 * 50).Select(i => (float)Math.Sin(i)).ToArray();
        int[] a = new int[6], b = new int[6], shifted = new int[5], other = new int[6];
        SoftmaxSampler.Sample(logits, 50, seed: 3, counter: 10, a);
        SoftmaxSampler.Sample(logits, 50, seed: 3, counter: 10, b);
        SoftmaxSampler.Sample(logits.AsSpan(50), 50, seed: 3, counter: 11, shifted);   // rows 1..5 from counter 11
        SoftmaxSampler.Sample(logits, 50, seed: 4, counter: 10, other);
        Assert.Equal(a, b);
        Assert.Equal(a[1..], shifted);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void Rejects_logits_that_are_not_finite()
    {
        var e = Assert.Throws<ArgumentException>(() => SoftmaxSampler.Sample([0f, float.NaN, 1f, 2f], 2, 1, 0, new int[2]));
        Assert.Contains("row 0", e.Message);
    }
}
