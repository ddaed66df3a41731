using BertCore.Backends.Cpu;
using BertCore.Backends.Cpu.Int8;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends.Int8;

/// <summary>
/// The whole int8 Linear (<see cref="CpuBackend.QuantizedLinear"/>: quantize rows, tiles, dequantize, bias, GELU) on odd
/// shapes: the same bits on every supported path and thread count; equal to the dequantization formula evaluated in
/// double on <see cref="Int8Reference"/>'s integers; and within the rounding bound of the fp32 product.
/// </summary>
public unsafe class QuantizedLinearTests
{
    /// <summary>(m, n, k): one element; partial row tiles, slivers and k quads; a threaded product (130 · 70 · 384 ≥ 2^20)
    /// with several row blocks and sliver blocks; a deep one.</summary>
    public static TheoryData<int, int, int, bool, bool> Shapes()
    {
        var data = new TheoryData<int, int, int, bool, bool>();
        foreach (var s in new[] { new[] { 1, 1, 1 }, [7, 17, 5], [61, 33, 37], [130, 70, 384], [3, 2, 1031] })
        {
            data.Add(s[0], s[1], s[2], true, false);
            data.Add(s[0], s[1], s[2], true, true);
            data.Add(s[0], s[1], s[2], false, false);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_integer_formula_on_every_path_and_the_fp32_product_within_the_rounding_bound(int m, int n, int k, bool bias, bool gelu)
    {
        var x = TestData.Uniform(m * k, m + k, 2f);
        for (int i = 0; i < x.Length; i += 7) x[i] = Math.Abs(x[i]);   // rows of uneven range: zero points away from the middle
        var w = TestData.Uniform(n * k, n + k + 1, 0.1f);
        var b = bias ? TestData.Uniform(n, n, 0.5f) : null;
        using var weights = QuantizedWeights.Quantize(w, n, k);

        float[]? first = null;
        foreach (var path in Int8Paths.Supported)
            foreach (int threads in new[] { 1, 2 })
            {
                var y = Run(new CpuBackend(threads, path), x, weights, b, m, gelu);
                if (first == null) first = y;
                else Assert.True(first.AsSpan().SequenceEqual(y), $"{path} on {threads} threads differs from {Int8Paths.Supported[0]} on 1");
            }

        // The formula in double on the reference's integers: exact sums, so only fp32's rounding of the epilogue
        // (~1e-7 of the largest output) and GeluMath's approximation (below 1e-6) remain: 1e-5 relative to the largest.
        var (qw, sw) = Int8Reference.QuantizeWeights(w, n, k);
        var expected = new double[m * n];
        var fp32 = new double[m * n];
        var bound = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            var (qx, sx, zero) = Int8Reference.QuantizeRow(x.AsSpan(i * k, k));
            for (int j = 0; j < n; j++)
            {
                long acc = 0;
                double exact = 0, slack = 0;
                for (int t = 0; t < k; t++)
                {
                    acc += (qx[t] - zero) * (long)qw[j * k + t];
                    double xv = x[i * k + t], wv = w[j * k + t];
                    exact += xv * wv;
                    // |x − x̂| ≤ sx/2 and |w − ŵ| ≤ sw/2, so |x·w − x̂·ŵ| ≤ |x|·sw/2 + (|w| + sw/2)·sx/2.
                    slack += Math.Abs(xv) * sw[j] / 2 + (Math.Abs(wv) + sw[j] / 2) * sx / 2;
                }
                double bj = b?[j] ?? 0;
                double v = acc * (double)sx * sw[j] + bj;
                expected[i * n + j] = gelu ? ReferenceBackend.Gelu(v) : v;
                fp32[i * n + j] = exact + bj;
                bound[i * n + j] = slack + 1e-5;   // plus fp32 rounding of outputs below 10
            }
        }
        Close.RelativeToMax(first!, expected, 1e-5, $"int8 Linear {m}x{n}x{k}");
        if (gelu) return;
        for (int e = 0; e < m * n; e++)
            Assert.True(Math.Abs(first![e] - fp32[e]) <= bound[e], $"[{e / n}, {e % n}]: {first[e]} is {Math.Abs(first[e] - fp32[e]):E2} from the fp32 {fp32[e]}, beyond the bound {bound[e]:E2}");
    }

    private static float[] Run(CpuBackend backend, float[] x, QuantizedWeights w, float[]? bias, int m, bool gelu)
    {
        using (backend)
        {
            using var tx = Tensor.FromArray(x, m, w.K);
            using var tb = bias == null ? null : Tensor.FromArray(bias, w.N);
            using var ty = Tensor.FromArray(Enumerable.Repeat(float.NaN, m * w.N).ToArray(), m, w.N);
            backend.QuantizedLinear(tx, w, tb, ty, gelu);
            return ty.ToArray();
        }
    }

    [Fact]
    public void Mismatched_shapes_are_rejected_with_the_shapes_named()
    {
        using var backend = new CpuBackend(1);
        using var w = QuantizedWeights.Quantize(new float[6], 2, 3);
        using var x = Tensor.Zeros(4, 5);
        using var y = Tensor.Zeros(4, 2);
        var e = Assert.Throws<ArgumentException>(() => backend.QuantizedLinear(x, w, null, y, gelu: false));
        Assert.Contains("x [4, 5] and y [4, 2] do not fit a weight [2, 3]", e.Message);
    }
}
