using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Autograd;

public class TapeTests
{
    private static Parameter Param(string name, int seed, params int[] dims) =>
        new(name, Tensor.FromArray(TestData.Uniform(dims.Aggregate(1, (a, b) => a * b), seed), dims));

    /// <summary>loss = sum(tanh(x·Wᵀ + b)²) on fixed input x [4, 3], W [5, 3].</summary>
    private static Tensor Loss(Graph g, Parameter w, Parameter b)
    {
        var x = g.Input(TestData.Uniform(12, 99), 4, 3);
        var h = g.Tanh(g.Linear(x, w.Value, b.Value));
        return g.Sum(g.Mul(h, h));
    }

    [Fact]
    public void Gradients_accumulate_across_backward_calls_until_zeroed()
    {
        using var g = new Graph(new CpuBackend());
        using var w = Param("w", 1, 5, 3);
        using var b = Param("b", 2, 5);
        g.Backward(Loss(g, w, b));
        var once = w.Grad.ToArray();
        g.Reset();
        g.Backward(Loss(g, w, b));
        var twice = w.Grad.ToArray();
        for (int i = 0; i < once.Length; i++) Assert.Equal(2 * once[i], twice[i], 6);
        g.Backend.Zero(w.Grad);
        g.Reset();
        g.Backward(Loss(g, w, b));
        Assert.Equal(once, w.Grad.ToArray());
    }

    [Fact]
    public void NoGrad_records_nothing()
    {
        using var g = new Graph(new CpuBackend());
        using var w = Param("w", 1, 5, 3);
        using var b = Param("b", 2, 5);
        Tensor loss;
        using (g.NoGrad()) loss = Loss(g, w, b);
        Assert.Equal(0, g.TapeLength);
        Assert.False(loss.RequiresGrad);
        Assert.Throws<InvalidOperationException>(() => g.Backward(loss));
        Assert.True(g.IsRecording);
    }

    [Fact]
    public void Frozen_parameters_get_no_gradient()
    {
        using var g = new Graph(new CpuBackend());
        using var w = Param("w", 1, 5, 3);
        using var b = Param("b", 2, 5);
        w.Trainable = false;
        g.Backward(Loss(g, w, b));
        Assert.All(w.Grad.ToArray(), v => Assert.Equal(0f, v));
        Assert.Contains(b.Grad.ToArray(), v => v != 0f);
    }

    [Fact]
    public void Backward_clears_the_tape_and_memory_does_not_grow_over_100_steps()
    {
        using var g = new Graph(new CpuBackend());
        using var w = Param("w", 1, 5, 3);
        using var b = Param("b", 2, 5);
        long reserved = 0;
        int handles = 0;
        for (int step = 0; step < 100; step++)
        {
            g.Backward(Loss(g, w, b));
            Assert.Equal(0, g.TapeLength);
            g.Reset();
            if (step == 1) { reserved = g.Arena.BytesReserved; handles = g.Arena.HandleCount; }
            if (step > 1)
            {
                Assert.Equal(reserved, g.Arena.BytesReserved);
                Assert.Equal(handles, g.Arena.HandleCount);
            }
        }
    }

    [Fact]
    public void Reshape_views_share_gradients_with_their_source()
    {
        GradCheck.Check((g, t) => g.Tanh(g.Reshape(g.Scale(t[0], 2f), 5, 6)),
            x => BertCore.Backends.Reference.ReferenceBackend.Tanh(BertCore.Backends.Reference.ReferenceBackend.Scale(x[0], 2)),
            [new OpInput(TestData.Uniform(30, 4), [3, 10])]);
    }

    [Fact]
    public void Gather_rows_scatters_gradients_back_including_repeated_indices()
    {
        int[] index = [2, 0, 2, 4, 1, 2];
        GradCheck.Check((g, t) => g.GatherRows(t[0], g.Input(index, 2, 3)),
            x => BertCore.Backends.Reference.ReferenceBackend.GatherRows(x[0], 7, index),
            [new OpInput(TestData.Uniform(35, 5), [5, 7])]);
    }

    [Fact]
    public void Gather_rows_rejects_an_index_out_of_range()
    {
        using var g = new Graph(new CpuBackend());
        var table = g.Input(TestData.Uniform(6, 1), 3, 2);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => g.GatherRows(table, g.Input(new[] { 0, 3 }, 2)));
        Assert.Contains("index 3 at position 1", ex.Message);
    }
}
