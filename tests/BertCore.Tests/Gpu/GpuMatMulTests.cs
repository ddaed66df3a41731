using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The tiled GEMM kernel on the simulator against the reference: every transpose, batches, a shared b, the
/// bias/GELU/beta epilogue; N = 70 crosses the 64-column tile and K = 11 the 8-deep slice.</summary>
[Collection(SimulatorCollection.Name)]
public class GpuMatMulTests(SimulatorFixture fixture)
{
    private readonly BertCore.Backends.Gpu.GpuBackend _gpu = fixture.Backend;

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Batched_matmul_matches_reference_and_finite_differences(bool transA, bool transB)
    {
        const int batch = 2, m = 5, n = 3, k = 11;
        int[] aShape = transA ? [batch, k, m] : [batch, m, k], bShape = transB ? [batch, n, k] : [batch, k, n];
        GpuGradCheck.Check(_gpu, (g, t) => g.MatMul(t[0], t[1], transA, transB),
            x => ReferenceOps.MatMul(x[0], transA, x[1], transB, batch, m, n, k),
            [new OpInput(TestData.Uniform(batch * m * k, 1), aShape), new OpInput(TestData.Uniform(batch * k * n, 2), bShape)]);
    }

    [Theory]
    [InlineData(false, false, 0f)]
    [InlineData(true, true, 0f)]
    [InlineData(true, false, -0.5f)]
    public void Shared_b_with_bias_gelu_and_beta_matches_reference(bool bias, bool gelu, float beta)
    {
        const int batch = 3, m = 7, n = 70, k = 11;
        float[] a = TestData.Uniform(batch * m * k, 3), b = TestData.Uniform(n * k, 4), biasValues = TestData.Uniform(n, 5);
        float[] c0 = TestData.Uniform(batch * m * n, 6);
        using var ta = GpuGradCheck.Device(_gpu, a, batch, m, k);
        using var tb = GpuGradCheck.Device(_gpu, b, n, k);
        using var tbias = GpuGradCheck.Device(_gpu, biasValues, n);
        using var tc = GpuGradCheck.Device(_gpu, c0, batch, m, n);
        using var tg = GpuGradCheck.Device(_gpu, new float[batch * m * n], batch, m, n);
        _gpu.MatMul(ta, false, tb, true, tc, bias ? tbias : null, beta, gelu ? tg : null);
        var pre = ReferenceOps.MatMul(a.ToDouble(), false, b.ToDouble(), true, batch, m, n, k, bBroadcast: true,
            bias: bias ? biasValues.ToDouble() : null, c: c0.ToDouble(), beta: beta);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tc), pre, GradCheck.ForwardTolerance, "c");
        if (gelu) Close.RelativeToMax(GpuGradCheck.Download(_gpu, tg), ReferenceOps.Gelu(pre), GradCheck.ForwardTolerance, "geluOut");
    }

    [Fact]
    public void SumRowsInto_adds_column_sums()
    {
        const int rows = 13, cols = 37;
        float[] dy = TestData.Uniform(rows * cols, 7), start = TestData.Uniform(cols, 8);
        using var tdy = GpuGradCheck.Device(_gpu, dy, rows, cols);
        using var tb = GpuGradCheck.Device(_gpu, start, cols);
        _gpu.SumRowsInto(tdy, tb);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tb), ReferenceOps.Add(start.ToDouble(), ReferenceOps.SumRows(dy.ToDouble(), rows, cols)),
            GradCheck.ForwardTolerance, "dbias");
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
