using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Tests.Optim;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// The optimizer step on the simulator in a fixed number of launches: every gradient zeroed in one launch, the sums of
/// squares of every gradient in one
/// launch (several for tensors in several storages), with the bits of one SumOfSquares per tensor; the AdamW update of
/// every trainable parameter of every group in one launch, with the bits of one AdamW per tensor on the GPU and on the
/// CPU backend (<see cref="OptimizerScenario"/>: two groups, a frozen parameter, a trainable set that changes); and the
/// clip factor gated by the step's losses.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuOptimizerStepTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    [Fact]
    public void The_fused_step_is_bitwise_the_per_parameter_path_on_the_gpu_and_the_cpu()
    {
        var fused = OptimizerScenario.MultiTensor(_gpu);
        OptimizerScenario.AssertBitwiseEqual(OptimizerScenario.PerParameter(_gpu, _gpu.ToDevice), fused);
        OptimizerScenario.AssertFrozenUntouched(fused);
        // The CPU backend sums squares in another order, so its factor differs in the last bits; given the GPU's
        // factors, its per-parameter AdamW makes the same bits (the same fp32 operations, no fused multiply-add).
        var factors = fused.Select(s => s.Factor).ToArray();
        OptimizerScenario.AssertBitwiseEqual(OptimizerScenario.PerParameter(new CpuBackend(1), t => t, factors), fused, sameFactor: false);
    }

    /// <summary>Tensors of one, two and four reduction groups, in three storages (two adoptions and a tensor of its own),
    /// interleaved so that each storage's slots are not contiguous: every slot as SumOfSquares writes it, twice in a row
    /// (the second call reuses the segment tables and the counters the first left at zero).</summary>
    [Fact]
    public void Sums_of_squares_are_bitwise_one_sum_of_squares_per_tensor_in_every_storage()
    {
        var first = new[] { new Parameter("a", Tensor.FromArray(TestData.Uniform(70 * 64, 1), 70, 64)), new Parameter("b", Tensor.FromArray(TestData.Uniform(7, 2), 7)) };
        var second = new[] { new Parameter("c", Tensor.FromArray(TestData.Uniform(3 * 4096 + 17, 3), 3 * 4096 + 17)) };
        _gpu.Adopt(first);
        _gpu.Adopt(second);
        using var own = GpuGradCheck.Device(_gpu, TestData.Uniform(300, 4), 300);
        Tensor[] tensors = [first[0].Value, second[0].Value, own, first[1].Value];
        using var fused = GpuGradCheck.Device(_gpu, new float[5], 5);
        using var single = GpuGradCheck.Device(_gpu, new float[5], 5);
        for (int i = 0; i < tensors.Length; i++) _gpu.SumOfSquares(tensors[i], single.SliceRows(i, 1));
        var expected = GpuGradCheck.Download(_gpu, single);
        for (int call = 0; call < 2; call++)
        {
            _gpu.Zero(fused);
            long before = _gpu.Launches;
            _gpu.SumsOfSquares(tensors, fused);
            Assert.Equal(3, _gpu.Launches - before);
            Assert.Equal(expected, GpuGradCheck.Download(_gpu, fused));
        }
        foreach (var p in first.Concat(second)) p.Dispose();
    }

    /// <summary>Zeroing the gradients, clipping and the update take four launches (zero, sums of squares, ClipScale,
    /// AdamW) for 3 parameters as for 40, in two groups, whatever is frozen; every gradient is zero afterwards.</summary>
    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    public void An_optimizer_step_takes_four_launches_whatever_the_number_of_parameters(int count)
    {
        static int Size(int i) => 5 + 2500 * (i % 3);   // up to two chunks of the element-wise kernels
        var parameters = Enumerable.Range(0, count).Select(i => new Parameter($"p{i}", Tensor.FromArray(TestData.Uniform(Size(i), i), Size(i)))).ToArray();
        parameters[1].Trainable = false;
        _gpu.Adopt(parameters);
        using var adam = new AdamW(_gpu, [new ParameterGroup("even", parameters.Where((_, i) => i % 2 == 0).ToArray(), 1e-2f, 0.1f),
            new ParameterGroup("odd", parameters.Where((_, i) => i % 2 == 1).ToArray(), 1e-2f, 0f)]);
        using var clipper = new GradientClipper(_gpu, parameters);
        for (int step = 0; step < 2; step++)
        {
            foreach (var p in parameters) _gpu.Upload(TestData.Uniform((int)p.Grad.Count, 50 + step), p.Grad);
            long before = _gpu.Launches;
            adam.ZeroGrad();
            Assert.All(parameters, p => Assert.All(GpuGradCheck.Download(_gpu, p.Grad), g => Assert.Equal(0f, g)));
            clipper.Compute(parameters, 1.0);
            adam.Step(1f, clipper.Scale);
            Assert.Equal(4, _gpu.Launches - before);
        }
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>ClipScale's losses gate the factor: finite ones leave norm and factor as without them; a NaN or infinite
    /// one makes the factor NaN (AdamW then skips the update) and leaves the norm.</summary>
    [Theory]
    [InlineData(2f, false)]
    [InlineData(float.NaN, true)]
    [InlineData(float.NegativeInfinity, true)]
    public void A_loss_that_is_not_finite_makes_the_clip_factor_nan(float loss, bool gated)
    {
        using var squares = GpuGradCheck.Device(_gpu, [4f, 5f], 2);
        using var losses = GpuGradCheck.Device(_gpu, [1f, loss, 3f], 3);
        using var plain = GpuGradCheck.Device(_gpu, new float[2], 2);
        using var guarded = GpuGradCheck.Device(_gpu, new float[2], 2);
        _gpu.ClipScale(squares, 1.0, plain);
        _gpu.ClipScale(squares, 1.0, guarded, losses);
        var (expected, actual) = (GpuGradCheck.Download(_gpu, plain), GpuGradCheck.Download(_gpu, guarded));
        Assert.Equal(3f, actual[0]);
        Assert.Equal(gated ? float.NaN : expected[1], actual[1]);
    }
}
