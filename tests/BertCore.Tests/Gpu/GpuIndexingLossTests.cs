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

    [Fact]
    public void GatherRows_matches_reference_and_finite_differences()
    {
        const int rows = 7, cols = 5;
        int[] index = [3, 2, 6, 3, 0, 2, 3, 1, 2];
        GpuGradCheck.Check(_gpu, (g, t) => g.GatherRows(t[0], g.Input(index, index.Length)),
            x => ReferenceBackend.GatherRows(x[0], cols, index), [new OpInput(TestData.Uniform(rows * cols, 1), [rows, cols])]);
    }

    /// <summary>ScatterAddRows with a padding index against the CPU backend: bitwise, as both add each row in position order.</summary>
    [Fact]
    public void ScatterAddRows_with_a_padding_index_matches_the_cpu_backend()
    {
        const int rows = 7, cols = 5, paddingIndex = 2;
        int[] index = [3, 2, 6, 3, 0, 2, 3, 1, 2];
        var dy = TestData.Uniform(index.Length * cols, 2);
        var start = TestData.Uniform(rows * cols, 3);
        using var cpuTable = Tensor.FromArray((float[])start.Clone(), rows, cols);
        using var cpuDy = Tensor.FromArray(dy, index.Length, cols);
        using var cpuIndex = Tensor.FromArray(index, index.Length);
        new CpuBackend(1).ScatterAddRows(cpuDy, cpuIndex, cpuTable, paddingIndex);
        using var table = GpuGradCheck.Device(_gpu, start, rows, cols);
        using var tdy = GpuGradCheck.Device(_gpu, dy, index.Length, cols);
        using var tindex = GpuGradCheck.Device(_gpu, index, index.Length);
        _gpu.ScatterAddRows(tdy, tindex, table, paddingIndex);
        Assert.Equal(cpuTable.ToArray(), GpuGradCheck.Download(_gpu, table));
    }

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

    [Fact]
    public void Out_of_range_scatter_index_is_raised_at_the_next_download()
    {
        using var table = GpuGradCheck.Device(_gpu, new float[12], 4, 3);
        using var index = GpuGradCheck.Device(_gpu, [1, 9, 0], 3);
        using var dy = GpuGradCheck.Device(_gpu, new float[9], 3, 3);
        _gpu.ScatterAddRows(dy, index, table);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GpuGradCheck.Download(_gpu, table));
        Assert.Contains("ScatterAddRows: index 9 at position 1", e.Message);
    }

    [Fact]
    public void Out_of_range_index_is_raised_at_the_next_download()
    {
        using var table = GpuGradCheck.Device(_gpu, new float[12], 4, 3);
        using var index = GpuGradCheck.Device(_gpu, [1, 4, 0], 3);
        using var y = GpuGradCheck.Device(_gpu, new float[9], 3, 3);
        _gpu.GatherRows(table, index, y);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => GpuGradCheck.Download(_gpu, y));
        Assert.Contains("GatherRows: index 4 at position 1", e.Message);
        GpuGradCheck.Download(_gpu, y);   // reported once, then cleared
    }

    [Theory]
    [InlineData(-100)]
    [InlineData(3)]
    public void CrossEntropy_matches_reference_and_finite_differences(int ignoreIndex)
    {
        const int n = 6, v = 37;
        int[] targets = [3, 0, ignoreIndex, 36, 3, 17];
        GpuGradCheck.Check(_gpu, (g, t) => g.CrossEntropy(t[0], g.Input(targets, n), ignoreIndex),
            x => ReferenceBackend.CrossEntropy(x[0], n, v, targets, ignoreIndex),
            [new OpInput(TestData.Uniform(n * v, 4, 5f), [n, v])]);
    }

    [Fact]
    public void CrossEntropy_of_only_ignored_rows_is_zero()
    {
        using var logits = GpuGradCheck.Device(_gpu, TestData.Uniform(10, 5), 2, 5);
        using var targets = GpuGradCheck.Device(_gpu, [-100, -100], 2);
        using var loss = GpuGradCheck.Device(_gpu, [float.NaN], 1);
        using var lse = GpuGradCheck.Device(_gpu, new float[2], 2);
        using var kept = GpuGradCheck.Device(_gpu, new float[1], 1);
        _gpu.CrossEntropy(logits, targets, -100, loss, lse, kept);
        Assert.Equal([0f], GpuGradCheck.Download(_gpu, loss));
        Assert.Equal([0f], GpuGradCheck.Download(_gpu, kept));
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
