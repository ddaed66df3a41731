using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Optim;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.Optim;

/// <summary><see cref="GradientClipping.GlobalNorm"/> reads the per-parameter sums back in batches of the scratch's
/// size; the sums are added in parameter order in double whatever that size, so the norm is bitwise the same.</summary>
public class GradientNormTests
{
    [Fact]
    public void The_norm_does_not_depend_on_how_many_sums_are_read_back_at_once()
    {
        var backend = new CpuBackend(1);
        var random = new Random(3);
        var parameters = Enumerable.Range(0, 5).Select(i =>
        {
            var p = new Parameter($"p{i}", Tensor.Zeros(i + 2, 3));
            foreach (ref float g in p.Grad.Span) g = (float)(random.NextDouble() * 2 - 1);
            return p;
        }).ToList();
        parameters[2].Trainable = false;   // skipped: no slot, no contribution
        double expected = Math.Sqrt(parameters.Where(p => p.Trainable).Sum(p => p.Grad.Span.ToArray().Sum(g => (double)g * g)));

        var norms = new List<double>();
        foreach (int slots in new[] { 1, 3, 4, 5 })   // 3: a full batch then a partial one
        {
            using var scratch = Tensor.Zeros(slots);
            norms.Add(GradientClipping.GlobalNorm(backend, parameters, scratch));
        }
        using (var sized = GradientClipping.NormScratch(backend, parameters))
        {
            Assert.Equal(5, sized.Count);
            norms.Add(GradientClipping.GlobalNorm(backend, parameters, sized));
        }

        Assert.All(norms, n => Assert.Equal(norms[0], n));
        // fp32 sums of squares per parameter (≤ 18 terms), so ~1e-7 relative.
        Assert.True(Math.Abs(norms[0] - expected) <= 1e-6 * expected, $"norm {norms[0]}, expected {expected}");
        foreach (var p in parameters) p.Dispose();
    }
}
