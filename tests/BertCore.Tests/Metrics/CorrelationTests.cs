using BertCore.Metrics;
using Xunit;

namespace BertCore.Tests.Metrics;

public class CorrelationTests
{
    [Fact]
    public void Pearson_by_hand()
    {
        // x = 1 2 3 4 (mean 2.5, deviations −1.5 −.5 .5 1.5); y = 2 4 5 9 (mean 5, deviations −3 −1 0 4).
        // Σdxdy = 4.5 + .5 + 0 + 6 = 11; Σdx² = 5; Σdy² = 9 + 1 + 0 + 16 = 26; r = 11 / √130.
        Assert.Equal(11 / Math.Sqrt(130), Correlation.Pearson([1, 2, 3, 4], [2, 4, 5, 9]), 14);
        Assert.Equal(-1.0, Correlation.Pearson([1, 2, 3], [6, 4, 2]), 14);
    }

    [Fact]
    public void Pearson_of_a_constant_is_undefined() =>
        Assert.True(double.IsNaN(Correlation.Pearson([1, 2, 3], [5, 5, 5])));

    [Fact]
    public void Ties_share_their_average_rank()
    {
        Assert.Equal([1, 2.5, 2.5, 4], Correlation.AverageRanks([10, 20, 20, 30]));
        Assert.Equal([4, 2, 2, 2], Correlation.AverageRanks([9, 1, 1, 1]));   // ranks 1..3 → 2
        Assert.Throws<ArgumentException>(() => Correlation.AverageRanks([1, double.NaN]));
    }

    [Fact]
    public void Spearman_is_pearson_of_ranks()
    {
        // Monotone but not linear: ρ = 1 while r < 1.
        Assert.Equal(1.0, Correlation.Spearman([1, 2, 3, 4], [1, 8, 27, 64]), 14);
        // x ranks 1 2.5 2.5 4 (deviations −1.5 0 0 1.5); y = 1 3 2 4 ranks as is (deviations −1.5 .5 −.5 1.5).
        // Σdxdy = 2.25 + 0 + 0 + 2.25 = 4.5; Σdx² = 4.5; Σdy² = 5; ρ = 4.5 / √22.5.
        Assert.Equal(4.5 / Math.Sqrt(22.5), Correlation.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), 14);
    }
}
