using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Optim;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.Optim;

/// <summary><see cref="GradientClipper"/> on the CPU backend: the norm over trainable gradients only, torch's factor
/// (applied by AdamW from the tensor), no clipping when maxNorm ≤ 0, and a non-finite norm that leaves the parameters as they were.</summary>
public class GradientClipperTests
{
    private readonly CpuBackend _backend = new(1);

    private static List<Parameter> Parameters(float? firstGradOfTheLast = null)
    {
        var random = new Random(3);
        var parameters = Enumerable.Range(0, 5).Select(i =>
        {
            var p = new Parameter($"p{i}", Tensor.Zeros(i + 2, 3));
            foreach (ref float g in p.Grad.Span) g = (float)(random.NextDouble() * 2 - 1);
            return p;
        }).ToList();
        parameters[2].Trainable = false;   // skipped: no slot, no contribution
        if (firstGradOfTheLast is { } g0) parameters[4].Grad.Span[0] = g0;
        return parameters;
    }

    [Theory]
    [InlineData(0.5, true)]
    [InlineData(100.0, false)]
    [InlineData(0.0, false)]
    public void Norm_and_factor_are_torchs(double maxNorm, bool clips)
    {
        var parameters = Parameters();
        double norm = Math.Sqrt(parameters.Where(p => p.Trainable).Sum(p => p.Grad.Span.ToArray().Sum(g => (double)g * g)));
        using var clipper = new GradientClipper(_backend, parameters);
        clipper.Compute(parameters, maxNorm);
        // fp32 sums of squares per parameter (≤ 18 terms), so ~1e-7 relative.
        Assert.True(Math.Abs(clipper.ReadNorm() - norm) <= 1e-6 * norm, $"norm {clipper.ReadNorm()}, expected {norm}");
        float expected = clips ? (float)(maxNorm / (norm + 1e-6)) : 1f;
        Assert.Equal(expected, clipper.Scale.Span[0], 1e-6f);
        foreach (var p in parameters) p.Dispose();
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_non_finite_norm_leaves_the_parameters_unchanged(float bad)
    {
        var parameters = Parameters(bad);
        var before = parameters.Select(p => p.Value.Span.ToArray()).ToList();
        using var clipper = new GradientClipper(_backend, parameters);
        using var adam = new AdamW(_backend, [new ParameterGroup("all", parameters, 0.1f, 0.01f)]);
        clipper.Compute(parameters, 1.0);
        adam.Step(1f, clipper.Scale);
        Assert.False(double.IsFinite(clipper.ReadNorm()));
        Assert.True(float.IsNaN(clipper.Scale.Span[0]));
        for (int i = 0; i < parameters.Count; i++) Assert.Equal(before[i], parameters[i].Value.Span.ToArray());
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>Step reads the recorded losses back with the norm (three losses: the read-back grows while the step
    /// records them, keeping the first ones).</summary>
    [Fact]
    public void Step_reads_the_recorded_losses_back_with_the_norm()
    {
        var parameters = Parameters();
        using var clipper = new GradientClipper(_backend, parameters);
        using var adam = new AdamW(_backend, [new ParameterGroup("all", parameters, 0.1f, 0.01f)]);
        clipper.BeginStep();
        foreach (float loss in new[] { 0.5f, 1.25f, 2f })
        {
            using var t = Tensor.FromArray([loss], 1);
            clipper.RecordLoss(t);
        }
        using (var aux = Tensor.FromArray([3f], 1)) clipper.RecordAuxiliaryLoss(aux);
        var step = clipper.Step(adam, parameters, 1.0, 1f, stepNumber: 1);
        Assert.Equal(3.75, step.LossSum);
        Assert.Equal(3.0, step.AuxiliaryLossSum);
        Assert.Equal(clipper.ReadNorm(), step.Norm);
        Assert.Equal(1, adam.StepCount);
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>A recorded loss that is not finite (finite gradients: the loss alone gates the update) makes the factor
    /// NaN, so AdamW skips the update; Step throws naming the loss and the step, and does not count it. The next step,
    /// with finite losses, updates.</summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_loss_that_is_not_finite_skips_the_update_and_throws_naming_the_step(float bad)
    {
        var parameters = Parameters();
        var before = parameters.Select(p => p.Value.Span.ToArray()).ToList();
        using var clipper = new GradientClipper(_backend, parameters);
        using var adam = new AdamW(_backend, [new ParameterGroup("all", parameters, 0.1f, 0.01f)]);
        using var good = Tensor.FromArray([1f], 1);
        using var poisoned = Tensor.FromArray([bad], 1);
        clipper.BeginStep();
        clipper.RecordLoss(good);
        clipper.RecordLoss(poisoned);
        var error = Assert.Throws<InvalidOperationException>(() => clipper.Step(adam, parameters, 1.0, 1f, stepNumber: 7, "the training loss of sst2"));
        Assert.Equal($"the training loss of sst2 is {bad} at step 7", error.Message);
        Assert.Equal(0, adam.StepCount);
        for (int i = 0; i < parameters.Count; i++) Assert.Equal(before[i], parameters[i].Value.Span.ToArray());
        clipper.BeginStep();
        clipper.RecordLoss(good);
        Assert.Equal(1.0, clipper.Step(adam, parameters, 1.0, 1f, stepNumber: 7).LossSum);
        Assert.Equal(1, adam.StepCount);
        Assert.NotEqual(before[0], parameters[0].Value.Span.ToArray());
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>A gradient norm that is not finite throws naming the step and the first trainable parameter whose
    /// gradient's sum of squares is not finite: a NaN, an infinity, or 1e30 (finite, but its square overflows fp32).
    /// The frozen p2 holds a NaN gradient too, which must not be blamed: it is not trained.</summary>
    [Theory]
    [InlineData(float.NaN, float.NaN)]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(1e30f, float.PositiveInfinity)]
    public void A_norm_that_is_not_finite_throws_naming_the_step_and_the_first_such_gradient(float bad, float sum)
    {
        var parameters = Parameters(bad);
        parameters[2].Grad.Span[0] = float.NaN;
        using var clipper = new GradientClipper(_backend, parameters);
        using var adam = new AdamW(_backend, [new ParameterGroup("all", parameters, 0.1f, 0.01f)]);
        using var loss = Tensor.FromArray([1f], 1);
        clipper.BeginStep();
        clipper.RecordLoss(loss);
        var error = Assert.Throws<InvalidOperationException>(() => clipper.Step(adam, parameters, 1.0, 1f, stepNumber: 5));
        Assert.Equal($"the gradient norm is {sum} at step 5: the gradient of p4 is the first whose sum of squares is not finite ({sum})", error.Message);
        Assert.Equal(0, adam.StepCount);
        foreach (var p in parameters) p.Dispose();
    }
}
