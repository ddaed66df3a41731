using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Kernels;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// The two-stage reductions on the simulator against the CPU backend: column sums (bias gradient, LayerNorm's dgamma
/// and dbeta) with 300 rows (five chunks of 64, the last one ragged) and 45 or 1000 columns (a ragged column block;
/// 32 blocks), and whole-tensor sums large enough for several stage-1 groups with a ragged tail.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuReductionTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;
    private readonly CpuBackend _cpu = new(1);

    [Theory]
    [InlineData(300, 45)]
    [InlineData(300, 1000)]
    [InlineData(1, 3)]
    public void SumRowsInto_matches_the_cpu_backend(int rows, int cols)
    {
        float[] dy = TestData.Uniform(rows * cols, 21), start = TestData.Uniform(cols, 22);
        Assert.True(rows < 64 || ReductionColumnKernels.Chunks(rows) == 5);
        using var cpuBias = Tensor.FromArray((float[])start.Clone(), cols);
        _cpu.SumRowsInto(Tensor.FromArray(dy, rows, cols), cpuBias);
        using var tdy = GpuGradCheck.Device(_gpu, dy, rows, cols);
        using var tb = GpuGradCheck.Device(_gpu, start, cols);
        _gpu.SumRowsInto(tdy, tb);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tb), cpuBias.Span, GradCheck.ForwardTolerance, "dbias");
    }

    [Theory]
    [InlineData(300, 45, true)]
    [InlineData(300, 1000, false)]
    public void LayerNorm_parameter_gradients_match_the_cpu_backend(int rows, int cols, bool residual)
    {
        var cpu = LayerNormGradients(_cpu, rows, cols, residual, (v, dims) => Tensor.FromArray(v, dims));
        var gpu = LayerNormGradients(_gpu, rows, cols, residual, (v, dims) => GpuGradCheck.Device(_gpu, v, dims));
        string[] names = ["dx", "dgamma", "dbeta"];
        for (int i = 0; i < names.Length; i++)
            Close.RelativeToMax(gpu[i], cpu[i], GradCheck.ForwardTolerance, names[i]);
    }

    /// <summary>dx, dgamma and dbeta (each starting from nonzero values, as they are added into) of (Add)LayerNorm.</summary>
    private static float[][] LayerNormGradients(IBackend backend, int rows, int cols, bool withResidual,
        Func<float[], int[], Tensor> make)
    {
        var x = make([.. TestData.Uniform(rows * cols, 31).Select(v => v + 3f)], [rows, cols]);
        var residual = make(TestData.Uniform(rows * cols, 32), [rows, cols]);
        var gamma = make([.. TestData.Uniform(cols, 33, 0.5f).Select(v => v + 1f)], [cols]);
        var beta = make(TestData.Uniform(cols, 34), [cols]);
        var dy = make(TestData.Uniform(rows * cols, 35), [rows, cols]);
        var y = make(new float[rows * cols], [rows, cols]);
        var mean = make(new float[rows], [rows]);
        var rstd = make(new float[rows], [rows]);
        var dx = make(TestData.Uniform(rows * cols, 36), [rows, cols]);
        var dgamma = make(TestData.Uniform(cols, 37), [cols]);
        var dbeta = make(TestData.Uniform(cols, 38), [cols]);
        if (withResidual)
        {
            backend.AddLayerNorm(x, residual, gamma, beta, 1e-5f, y, mean, rstd);
            backend.AddLayerNormBackward(dy, x, residual, gamma, mean, rstd, dx, null, dgamma, dbeta);
        }
        else
        {
            backend.LayerNorm(x, gamma, beta, 1e-5f, y, mean, rstd);
            backend.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        }
        float[][] result = [GradCheck.Download(backend, dx), GradCheck.Download(backend, dgamma), GradCheck.Download(backend, dbeta)];
        foreach (var t in new[] { x, residual, gamma, beta, dy, y, mean, rstd, dx, dgamma, dbeta }) t.Dispose();
        return result;
    }

    /// <summary>Counts with one stage-1 group, several, and several with a ragged last slice; Sum's alpha applies once.</summary>
    [Theory]
    [InlineData(1001)]
    [InlineData(4096 * 3 + 17)]
    [InlineData(4096 * 5)]
    public void Sum_and_sum_of_squares_match_the_cpu_backend(int count)
    {
        var x = TestData.Uniform(count, 41);
        Assert.True(count < 4096 || ReductionKernels.Groups(count) > 1);
        using var hx = Tensor.FromArray(x, count);
        using var hsum = Tensor.Zeros(1);
        using var hsquares = Tensor.Zeros(1);
        _cpu.Sum(hx, hsum, 0.5f);
        _cpu.SumOfSquares(hx, hsquares);
        using var tx = GpuGradCheck.Device(_gpu, x, count);
        using var tsum = GpuGradCheck.Device(_gpu, new float[1], 1);
        using var tsquares = GpuGradCheck.Device(_gpu, new float[1], 1);
        _gpu.Sum(tx, tsum, 0.5f);
        _gpu.SumOfSquares(tx, tsquares);
        // Relative to Σ|x| and Σx² (the sum itself nearly cancels).
        double scale = x.Sum(v => Math.Abs((double)v));
        Assert.InRange(Math.Abs(GpuGradCheck.Download(_gpu, tsum)[0] - hsum.Span[0]), 0, GradCheck.ForwardTolerance * scale);
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, tsquares), hsquares.Span, GradCheck.ForwardTolerance, "sum of squares");
    }

}
