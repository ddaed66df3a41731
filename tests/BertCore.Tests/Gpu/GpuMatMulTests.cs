using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The tiled GEMM kernels on the simulator against the reference: every transpose, batches, a shared b, the
/// bias/GELU/beta epilogue; N = 70 crosses the 64-column tile and K = 11 the 8-deep slice. The 128×128 kernel and split-K
/// (chosen by size on a real GPU) are forced at shapes with tails on every dimension, with and without 16-byte loads.</summary>
[Collection(SimulatorCollection.Name)]
public class GpuMatMulTests(SimulatorFixture fixture)
{
    private readonly BertCore.Backends.Gpu.GpuBackend _gpu = fixture.Backend;

    [Theory]
    [InlineData(false, false, 130, 133, 37)]   // scalar loads: K and N not multiples of 4
    [InlineData(true, false, 130, 133, 37)]
    [InlineData(false, true, 130, 133, 37)]
    [InlineData(true, true, 130, 133, 37)]
    [InlineData(false, false, 132, 136, 44)]   // 16-byte loads, partial tiles in M, N and the last K slice
    [InlineData(true, false, 132, 136, 44)]
    [InlineData(false, true, 132, 136, 44)]
    [InlineData(true, true, 132, 136, 44)]
    public void Large_tile_kernel_matches_reference(bool transA, bool transB, int m, int n, int k) =>
        WithLargeTiles(splitKMinimumDepth: int.MaxValue, () => AssertMatMul(2, m, n, k, transA, transB, bias: true, gelu: true, beta: 0.5f));

    [Theory]
    [InlineData(false, false, 100, 132)]   // 13 K-slices of 8, the last one of 4
    [InlineData(true, false, 100, 132)]
    [InlineData(false, true, 100, 132)]
    [InlineData(true, true, 100, 132)]
    [InlineData(true, false, 1000, 132)]   // 16 K-slices of 64, the last of 40 (the weight-gradient case aᵀ·b), 16-byte loads
    [InlineData(false, false, 100, 133)]   // M·N not a multiple of 4: the slices are summed element by element
    public void Split_k_matches_reference(bool transA, bool transB, int k, int n) =>
        WithLargeTiles(splitKMinimumDepth: 4, () => AssertMatMul(1, 70, n, k, transA, transB, bias: true, gelu: true, beta: -0.5f));

    [Theory]
    [InlineData(3, false)]   // K = 100 in slices of 40, 40, 20: the count is not a power of two
    [InlineData(7, true)]    // slices of 16, the last of 4
    public void Forced_split_count_matches_reference(int splits, bool transA) =>
        _gpu.WithGemmTuning(_gpu.GemmTuning with { LargeTileMinimum = 1, ForcedSplits = splits }, () =>
        {
            Assert.Equal(splits, GpuBackend.Slices(100, _gpu.SplitDepth(tiles: 1, k: 100)));
            AssertMatMul(1, 70, 132, 100, transA, false, bias: true, gelu: true, beta: -0.5f);
            return true;
        });

    [Fact]
    public void Split_depth_follows_the_rule_unless_a_count_is_forced()
    {
        // The rule (H100 defaults): the fewest power-of-two slices reaching 264 groups, each at least 512 deep.
        Assert.Equal(512, _gpu.SplitDepth(tiles: 36, k: 4096));      // 768×768×4096: 8 slices, 288 groups
        Assert.Equal(2048, _gpu.SplitDepth(tiles: 144, k: 4096));    // 3072×768×4096: 2 slices
        Assert.Equal(0, _gpu.SplitDepth(tiles: 192, k: 768));        // 4096×768×768: slices of 384 would be too shallow
        Assert.Equal(0, _gpu.SplitDepth(tiles: 1024, k: 4096));      // 4096³: enough groups whole
        int Forced(int splits) => _gpu.WithGemmTuning(_gpu.GemmTuning with { ForcedSplits = splits }, () => _gpu.SplitDepth(tiles: 36, k: 4096));
        Assert.Equal(592, Forced(7));   // ⌈4096 / 7⌉ = 586, rounded up to whole slices of 8
        Assert.Equal(0, Forced(1));
    }

    /// <summary>Runs <paramref name="body"/> with the 128×128 kernel used for any size (and split-K from the given depth).</summary>
    private void WithLargeTiles(int splitKMinimumDepth, Action body) =>
        _gpu.WithGemmTuning(_gpu.GemmTuning with { LargeTileMinimum = 1, SplitKMinimumDepth = splitKMinimumDepth }, () =>
        {
            body();
            return true;
        });

    /// <summary>c = op(a)·op(b) + bias + beta·c on the GPU backend vs the double reference, and gelu(c).</summary>
    private void AssertMatMul(int batch, int m, int n, int k, bool transA, bool transB, bool bias, bool gelu, float beta)
    {
        float[] a = TestData.Uniform(batch * m * k, 11), b = TestData.Uniform(batch * k * n, 12), biasValues = TestData.Uniform(n, 13);
        float[] c0 = TestData.Uniform(batch * m * n, 14);
        using var ta = transA ? GpuGradCheck.Device(_gpu, a, batch, k, m) : GpuGradCheck.Device(_gpu, a, batch, m, k);
        using var tb = transB ? GpuGradCheck.Device(_gpu, b, batch, n, k) : GpuGradCheck.Device(_gpu, b, batch, k, n);
        using var tbias = GpuGradCheck.Device(_gpu, biasValues, n);
        using var tc = GpuGradCheck.Device(_gpu, c0, batch, m, n);
        using var tg = GpuGradCheck.Device(_gpu, new float[batch * m * n], batch, m, n);
        _gpu.MatMul(ta, transA, tb, transB, tc, bias ? tbias : null, beta, gelu ? tg : null);
        var pre = ReferenceBackend.MatMul(a.ToDouble(), transA, b.ToDouble(), transB, batch, m, n, k,
            bias: bias ? biasValues.ToDouble() : null, c: c0.ToDouble(), beta: beta);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tc), pre, GradCheck.ForwardTolerance, "c");
        if (gelu) Close.RelativeToMax(GpuGradCheck.Download(_gpu, tg), ReferenceBackend.Gelu(pre), GradCheck.ForwardTolerance, "geluOut");
    }

    /// <summary>`bertcore bench gemm` on the GPU backend: operands in device memory, a finite rate.</summary>
    [Fact]
    public void Bench_gemm_runs_on_the_gpu_backend()
    {
        double gflops = BertCore.Diagnostics.Throughput.Gemm(_gpu, 9, 1);
        Assert.True(double.IsFinite(gflops) && gflops > 0, $"{gflops} GFLOP/s");
    }

    /// <summary>The self-test `bertcore devices` runs on every accelerator passes on the simulator.</summary>
    [Fact]
    public void Device_self_test_passes_on_the_simulator() => Assert.Null(GpuDevices.Check(_gpu));
}
