using BertCore.Backends.Cpu.Int8;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends.Int8;

/// <summary>The rounding of both quantizers against <see cref="Int8Reference"/>, exactly: the same bytes, scales and zero points.</summary>
public unsafe class QuantizationTests
{
    /// <summary>Row lengths around the 8- and 32-lane loops; rows of mixed sign, all positive (a GELU output), all
    /// negative, all zero, one outlier among small values, and values on a grid that puts many products on .5 ties.</summary>
    [Fact]
    public void Activation_rows_match_the_reference_exactly()
    {
        foreach (int k in new[] { 1, 3, 7, 8, 31, 32, 33, 100, 384, 1027 })
        {
            var mixed = TestData.Uniform(k, k, 3f);
            var rows = new List<(string, float[])>
            {
                ("mixed", mixed),
                ("positive", mixed.Select(v => Math.Abs(v) - 0.17f * (v > 2.9f ? 1 : 0)).ToArray()),
                ("negative", mixed.Select(v => -Math.Abs(v) - 0.01f).ToArray()),
                ("zero", new float[k]),
                ("outlier", mixed.Select((v, i) => i == k / 2 ? 400f : v * 0.01f).ToArray()),
                ("ties", Enumerable.Range(0, k).Select(i => (i % 511 - 255) / 2f).ToArray()),
            };
            foreach (var (name, x) in rows)
            {
                var (q, scale, zero) = Int8Reference.QuantizeRow(x);
                int k4 = (k + 3) / 4 * 4;
                var actual = Enumerable.Repeat((byte)0xAB, k4).ToArray();
                (float Scale, int Zero) got;
                fixed (float* px = x)
                fixed (byte* pq = actual)
                    got = ActivationQuantizer.Row(px, k, pq, k4);
                Assert.Equal(scale, got.Scale);
                Assert.Equal(zero, got.Zero);
                Assert.Equal(q.Concat(new byte[k4 - k]).ToArray(), actual);
            }
        }
    }

    /// <summary>Quantized weights read back through the scalar tile with one-hot activations (a 1 at column t gives
    /// q[·, t]): the packing and the rounding against the reference, with a zero row and odd shapes.</summary>
    [Theory]
    [InlineData(1, 1)]
    [InlineData(19, 7)]
    [InlineData(33, 45)]
    public void Weights_match_the_reference_exactly(int n, int k)
    {
        var w = TestData.Uniform(n * k, n + k, 0.2f);
        Array.Clear(w, 0, k);   // row 0 all zero: scale 1, q 0
        var (q, scales) = Int8Reference.QuantizeWeights(w, n, k);
        using var packed = QuantizedWeights.Quantize(w, n, k);
        Assert.Equal(scales, packed.Scales);
        for (int j = 0; j < n; j++) Assert.Equal(q.Skip(j * k).Take(k).Sum(v => v), packed.ColumnSums[j]);
        int k4 = packed.K4;
        var oneHot = new byte[k4];
        var acc = new int[Int8Kernel.MR * Int8Kernel.NR];
        for (int t = 0; t < k; t++)
        {
            Array.Clear(oneHot);
            oneHot[t] = 1;
            fixed (byte* a = oneHot)
            fixed (int* c = acc)
                for (int s = 0; s < packed.Slivers; s++)
                {
                    Int8Kernel.Tile(Int8Path.Scalar, k4 / 4, a, k4, 1, packed.Sliver(s), c);
                    for (int j = s * 16; j < Math.Min(n, s * 16 + 16); j++)
                        Assert.True(q[j * k + t] == acc[j - s * 16], $"q[{j}, {t}] is {acc[j - s * 16]}, expected {q[j * k + t]}");
                }
        }
    }

    [Fact]
    public void Non_finite_weights_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => QuantizedWeights.Quantize([1f, float.NaN], 1, 2));
        Assert.Contains("weight [0, ...] holds NaN", e.Message);
    }
}
