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
}
