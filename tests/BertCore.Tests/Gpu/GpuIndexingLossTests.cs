using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>Embedding gather / scatter-add and the fused cross-entropy kernels on the simulator.</summary>
[Collection(SimulatorCollection.Name)]
public class GpuIndexingLossTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    /// <summary>Chains of repeated indices as an embedding backward meets them (one index everywhere: token types; a cycle:
    /// positions; random ids with repeats: words), bitwise against the CPU backend.</summary>
    [Theory]
    [InlineData("same")]
    [InlineData("cycle")]
    [InlineData("random")]
    public void ScatterAddRows_of_long_repeat_chains_matches_the_cpu_backend(string pattern)
    {
        const int rows = 40, cols = 45, n = 300;
        var random = new Random(5);
        int[] index = Enumerable.Range(0, n).Select(i => pattern switch { "same" => 0, "cycle" => i % 37, _ => random.Next(rows) }).ToArray();
        var dy = TestData.Uniform(n * cols, 6);
        var start = TestData.Uniform(rows * cols, 7);
        using var cpuTable = Tensor.FromArray((float[])start.Clone(), rows, cols);
        using var cpuDy = Tensor.FromArray(dy, n, cols);
        using var cpuIndex = Tensor.FromArray(index, n);
        new CpuBackend(1).ScatterAddRows(cpuDy, cpuIndex, cpuTable);
        using var table = GpuGradCheck.Device(_gpu, start, rows, cols);
        using var tdy = GpuGradCheck.Device(_gpu, dy, n, cols);
        using var tindex = GpuGradCheck.Device(_gpu, index, n);
        _gpu.ScatterAddRows(tdy, tindex, table);
        Assert.Equal(cpuTable.ToArray(), GpuGradCheck.Download(_gpu, table));
    }

    /// <summary>More rows than the mean's 256 threads (some threads add two rows, some ignored): loss and kept count
    /// as the CPU backend's.</summary>
    [Fact]
    public void CrossEntropy_over_more_rows_than_the_mean_threads_matches_the_cpu_backend()
    {
        const int n = 300, v = 7;
        var logits = TestData.Uniform(n * v, 6, 3f);
        int[] targets = [.. Enumerable.Range(0, n).Select(i => i % 5 == 0 ? -100 : i % v)];
        using var cpuLoss = Tensor.Zeros(1);
        using var cpuKept = Tensor.Zeros(1);
        using (var lse = Tensor.Zeros(n))
            new CpuBackend(1).CrossEntropy(Tensor.FromArray(logits, n, v), Tensor.FromArray(targets, n), -100, cpuLoss, lse, cpuKept);
        using var tlogits = GpuGradCheck.Device(_gpu, logits, n, v);
        using var ttargets = GpuGradCheck.Device(_gpu, targets, n);
        using var loss = GpuGradCheck.Device(_gpu, new float[1], 1);
        using var tlse = GpuGradCheck.Device(_gpu, new float[n], n);
        using var kept = GpuGradCheck.Device(_gpu, new float[1], 1);
        _gpu.CrossEntropy(tlogits, ttargets, -100, loss, tlse, kept);
        Assert.Equal(cpuKept.ToArray(), GpuGradCheck.Download(_gpu, kept));
        Close.RelativeToMax(GpuGradCheck.Download(_gpu, loss), cpuLoss.Span, GradCheck.ForwardTolerance, "loss");
    }
}
