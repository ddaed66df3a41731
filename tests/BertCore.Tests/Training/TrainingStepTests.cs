using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary><see cref="TrainingStep"/> on the CPU backend, with losses whose gradients are known in closed form:
/// loss = c · Σ p over three parameters (the frozen one left out), so every trainable gradient element is the mean
/// of the micro-batches' c.</summary>
public class TrainingStepTests
{
    private readonly CpuBackend _backend = new(1);

    private static List<Parameter> Parameters()
    {
        var parameters = Enumerable.Range(0, 3).Select(i => new Parameter($"p{i}", Tensor.Zeros(i + 2, 3))).ToList();
        foreach (var p in parameters)
            for (int i = 0; i < p.Value.Count; i++) p.Value.Span[i] = 0.1f * (i + 1);
        parameters[1].Trainable = false;   // no gradient, no slot in the norm, no update
        return parameters;
    }

    private TrainingStep Step(List<Parameter> parameters, double? maxGradNorm = 1.0) =>
        new(_backend, parameters, new AdamW(_backend, [new ParameterGroup("all", parameters, 0.1f, 0.01f)]), LrSchedule.Constant(), maxGradNorm, seed: 1);

    /// <summary>c · (Σ p0 + Σ p2) [1] on the step's graph, plus <paramref name="extra"/> (no gradient) when given.</summary>
    private static Tensor Loss(Graph g, List<Parameter> parameters, float c, float? extra = null)
    {
        var loss = g.Scale(g.Add(g.Sum(parameters[0].Value), g.Sum(parameters[2].Value)), c);
        return extra is { } e ? g.Add(loss, g.Sum(g.Input([e], 1))) : loss;
    }

    /// <summary>Three micro-batches (the read-back grows past its first capacity): the mean loss, the mean auxiliary
    /// loss and the norm of the accumulated gradient come back together. Gradient elements are (1 + 2 + 3)/3 = 2 on
    /// the 6 + 12 trainable elements, so the norm is 2·√18; the losses are sums of a few fp32 values, compared to 1e-6.</summary>
    [Fact]
    public void Reads_the_mean_loss_and_the_norm_of_the_accumulated_gradient_back_together()
    {
        var parameters = Parameters();
        double sum = parameters[0].Value.Span.ToArray().Sum() + parameters[2].Value.Span.ToArray().Sum();
        var frozen = parameters[1].Value.Span.ToArray();
        using var step = Step(parameters);
        step.Begin(3);
        foreach (float c in new[] { 1f, 2f, 3f })
            step.Accumulate(Loss(step.Graph, parameters, c), auxiliary: Loss(step.Graph, parameters, 10 * c), auxiliaryWeight: 0f);
        var result = step.Finish();
        Assert.Equal(1, result.Step);
        Assert.Equal(1, step.Count);
        Assert.True(Math.Abs(result.Loss - 2 * sum) <= 1e-6 * 2 * sum, $"loss {result.Loss}, expected {2 * sum}");
        Assert.True(Math.Abs(result.AuxiliaryLoss - 20 * sum) <= 1e-6 * 20 * sum, $"auxiliary loss {result.AuxiliaryLoss}, expected {20 * sum}");
        Assert.True(Math.Abs(result.GradNorm - 2 * Math.Sqrt(18)) <= 1e-6 * result.GradNorm, $"norm {result.GradNorm}");
        Assert.Equal(1f, result.LrFactor);
        Assert.Equal(frozen, parameters[1].Value.Span.ToArray());
        Assert.NotEqual(0.1f, parameters[0].Value.Span[0]);
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>A loss that is not finite (finite gradients: the loss alone gates the update) makes the clipping factor
    /// NaN, so AdamW skips the update; Finish throws naming the loss and the step and does not count it. The next
    /// step, with finite losses, updates.</summary>
    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    public void A_loss_that_is_not_finite_skips_the_update_and_throws_naming_the_step(float bad)
    {
        var parameters = Parameters();
        var before = parameters.Select(p => p.Value.Span.ToArray()).ToList();
        using var step = Step(parameters);
        step.Begin(2);
        step.Accumulate(Loss(step.Graph, parameters, 1f));
        step.Accumulate(Loss(step.Graph, parameters, 1f, extra: bad));
        var error = Assert.Throws<InvalidOperationException>(() => step.Finish("the training loss of sst2"));
        Assert.Equal($"the training loss of sst2 is {bad} at step 1", error.Message);
        Assert.Equal(0, step.Count);
        for (int i = 0; i < parameters.Count; i++) Assert.Equal(before[i], parameters[i].Value.Span.ToArray());
        step.Begin();
        step.Accumulate(Loss(step.Graph, parameters, 1f));
        Assert.Equal(1, step.Finish().Step);
        Assert.NotEqual(before[0], parameters[0].Value.Span.ToArray());
        foreach (var p in parameters) p.Dispose();
    }

    /// <summary>A gradient that is not finite (the loss Σ p0 + 1e30 · Σ p2 is finite, but 1e30 squared overflows fp32)
    /// throws naming the step and that parameter, after the skipped update.</summary>
    [Fact]
    public void A_norm_that_is_not_finite_throws_naming_the_step_and_the_parameter()
    {
        var parameters = Parameters();
        var before = parameters.Select(p => p.Value.Span.ToArray()).ToList();
        using var step = Step(parameters);
        step.Begin();
        var g = step.Graph;
        step.Accumulate(g.Add(g.Sum(parameters[0].Value), g.Scale(g.Sum(parameters[2].Value), 1e30f)));
        var error = Assert.Throws<InvalidOperationException>(() => step.Finish());
        Assert.Equal($"the gradient norm is {double.PositiveInfinity} at step 1: the gradient of p2 is the first whose sum of squares is not finite ({float.PositiveInfinity})",
            error.Message);
        Assert.Equal(0, step.Count);
        for (int i = 0; i < parameters.Count; i++) Assert.Equal(before[i], parameters[i].Value.Span.ToArray());
        foreach (var p in parameters) p.Dispose();
    }
}
