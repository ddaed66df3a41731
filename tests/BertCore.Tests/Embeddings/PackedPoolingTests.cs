using BertCore.Embeddings;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary><see cref="PackedPooling"/> against a direct double-precision computation of each mode over sequences of 1,
/// 4 and 2 rows (1e-6 of the largest value: fp32 sums of at most 4 rows), with and without normalization.</summary>
public class PackedPoolingTests
{
    private const int Width = 5;
    private static readonly int[] Offsets = [0, 1, 5, 7];
    private static readonly float[] Hidden = TestData.Uniform(7 * Width, 3, 2f);

    [Theory]
    [InlineData(PoolingMode.Mean, false)]
    [InlineData(PoolingMode.Mean, true)]
    [InlineData(PoolingMode.Cls, false)]
    [InlineData(PoolingMode.Max, true)]
    public void Each_sequence_is_pooled_over_its_own_rows(PoolingMode mode, bool normalize)
    {
        var vectors = PackedPooling.Pool(Hidden, Offsets, Width, new EmbeddingPooling(mode, normalize));
        Assert.Equal(3, vectors.Length);
        for (int n = 0; n < 3; n++)
        {
            var rows = Enumerable.Range(Offsets[n], Offsets[n + 1] - Offsets[n]).ToArray();
            double[] expected = Enumerable.Range(0, Width).Select(c =>
            {
                var column = rows.Select(r => (double)Hidden[r * Width + c]).ToArray();
                return mode switch { PoolingMode.Mean => column.Average(), PoolingMode.Max => column.Max(), _ => column[0] };
            }).ToArray();
            if (normalize)
            {
                double norm = Math.Sqrt(expected.Sum(x => x * x));
                expected = expected.Select(x => x / norm).ToArray();
            }
            Close.RelativeToMax(vectors[n], expected, 1e-6, $"{mode} sequence {n}");
        }
    }

    [Fact]
    public void Offsets_that_miss_the_rows_are_refused() =>
        Assert.Throws<ArgumentException>(() => PackedPooling.Pool(Hidden, [0, 1, 6], Width, new EmbeddingPooling(PoolingMode.Mean, false)));
}
