using BertCore.Backends;
using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The element-wise map kernel, reductions, dropout and the device copy of the counter RNG.</summary>
[Collection(SimulatorCollection.Name)]
public class GpuElementwiseTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    private static OpInput In(int seed, params int[] shape) => new(TestData.Uniform(shape.Aggregate(1, (a, b) => a * b), seed, 3f), shape);

    [Fact]
    public void Gelu_matches_reference_and_finite_differences() =>
        GpuGradCheck.Check(_gpu, (g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [In(1, 3, 5, 7)]);

    [Fact]
    public void Tanh_matches_reference_and_finite_differences() =>
        GpuGradCheck.Check(_gpu, (g, t) => g.Tanh(t[0]), x => ReferenceBackend.Tanh(x[0]), [In(2, 3, 5, 7)]);

    [Fact]
    public void Add_mul_and_scale_match_reference_and_finite_differences() =>
        GpuGradCheck.Check(_gpu, (g, t) => g.Scale(g.Mul(g.Add(t[0], t[1], 0.5f, -2f), t[1]), 1.7f),
            x => ReferenceBackend.Scale(ReferenceBackend.Mul(ReferenceBackend.Add(x[0], x[1], 0.5, -2), x[1]), 1.7), [In(3, 3, 5, 7), In(4, 3, 5, 7)]);

    [Fact]
    public void Sum_and_mean_match_reference_and_finite_differences() =>
        GpuGradCheck.Check(_gpu, (g, t) => g.Add(g.Sum(t[0]), g.Mean(t[0]), 1f, 3f),
            x => [ReferenceBackend.Sum(x[0]) + 3 * ReferenceBackend.Sum(x[0]) / x[0].Length], [In(5, 7, 53)]);

    [Fact]
    public void Dropout_matches_reference_and_finite_differences()
    {
        var drop = new Dropout(0.3f, 77, 5);
        GpuGradCheck.Check(_gpu, (g, t) =>
        {
            g.Training = true;
            g.Seed = drop.Seed;
            g.RngOffset = drop.Offset;
            return g.Dropout(t[0], drop.P);
        }, x => ReferenceBackend.Dropout(x[0], drop), [In(6, 11, 29)]);
    }

    [Fact]
    public void SumOfSquares_matches_reference()
    {
        var x = TestData.Uniform(1001, 7);
        using var tx = GpuGradCheck.Device(_gpu, x, 1001);
        using var ty = GpuGradCheck.Device(_gpu, new float[1], 1);
        _gpu.SumOfSquares(tx, ty);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, ty), [x.Sum(v => (double)v * v)], GradCheck.ForwardTolerance, "sum of squares");
    }

    [Fact]
    public void AdamW_steps_match_reference()
    {
        const int n = 301;
        var p = TestData.Uniform(n, 8);
        double[] pd = p.ToDouble(), md = new double[n], vd = new double[n];
        using var tp = GpuGradCheck.Device(_gpu, p, n);
        using var tm = GpuGradCheck.Device(_gpu, new float[n], n);
        using var tv = GpuGradCheck.Device(_gpu, new float[n], n);
        for (int t = 1; t <= 3; t++)
        {
            var g = TestData.Uniform(n, 10 + t);
            using var tg = GpuGradCheck.Device(_gpu, g, n);
            var step = new AdamWStep(1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, t, 0.5f);
            _gpu.AdamW(tp, tg, tm, tv, step);
            ReferenceBackend.AdamW(pd, g.ToDouble(), md, vd, step);
        }
        // Relative to the largest parameter (~1): three steps of fp32 arithmetic stay near 1e-7 of it.
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tp), pd, GradCheck.ForwardTolerance, "parameters");
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tv), vd, GradCheck.ForwardTolerance, "second moments");
    }
}
