using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class ElementwiseTests
{
    private static OpInput In(int seed, params int[] shape) =>
        new(TestData.Uniform(shape.Aggregate(1, (a, b) => a * b), seed, 3f), shape);

    [Fact]
    public void Gelu_matches_reference_and_finite_differences() =>
        GradCheck.Check((g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [In(1, 3, 5, 7)]);

    [Fact]
    public void Gelu_is_accurate_in_both_tails()
    {
        // Far tails, where a careless erf loses all relative accuracy.
        float[] xs = [-9f, -7.5f, -5f, -3f, -1e-3f, 0f, 1e-3f, 3f, 5f, 9f, 40f];
        GradCheck.Check((g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [new OpInput(xs, [xs.Length])]);
        using var b = new BertCore.Backends.Cpu.CpuBackend();
        using var x = BertCore.Tensors.Tensor.FromArray(xs, xs.Length);
        using var y = BertCore.Tensors.Tensor.Zeros(xs.Length);
        b.Gelu(x, y);
        for (int i = 0; i < xs.Length; i++)
        {
            double r = ReferenceBackend.Gelu(xs[i]);
            // Element-wise relative 1e-5: in the left tail Φ(x) = exp(-x²/2)·(...) inherits the fp32 rounding of x²/2,
            // about 6e-8·x²/2 ≈ 2.4e-6 relative at x = -9. (PyTorch's fp32 GELU returns exactly 0 there.)
            Assert.True(Math.Abs(y.Span[i] - r) <= 1e-5 * Math.Abs(r) + 1e-30, $"gelu({xs[i]}) = {y.Span[i]}, reference {r}");
        }
    }

    [Fact]
    public void Gelu_vectorized_and_scalar_paths_agree_on_odd_lengths() =>
        GradCheck.Check((g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [In(2, 1, 13)]);

    [Fact]
    public void Tanh_matches_reference_and_finite_differences() =>
        GradCheck.Check((g, t) => g.Tanh(t[0]), x => ReferenceBackend.Tanh(x[0]), [In(3, 3, 5, 7)]);

    [Fact]
    public void Add_with_coefficients() =>
        GradCheck.Check((g, t) => g.Add(t[0], t[1], 0.5f, -2f), x => ReferenceBackend.Add(x[0], x[1], 0.5, -2), [In(4, 3, 5, 7), In(5, 3, 5, 7)]);

    [Fact]
    public void Mul_and_scale() =>
        GradCheck.Check((g, t) => g.Scale(g.Mul(t[0], t[1]), 1.7f), x => ReferenceBackend.Scale(ReferenceBackend.Mul(x[0], x[1]), 1.7f),
            [In(6, 1, 13), In(7, 1, 13)]);

    [Fact]
    public void A_tensor_used_twice_collects_both_gradients() =>
        GradCheck.Check((g, t) => g.Mul(t[0], t[0]), x => ReferenceBackend.Mul(x[0], x[0]), [In(8, 3, 5, 7)]);

    [Fact]
    public void Sum_and_mean() =>
        GradCheck.Check((g, t) => g.Add(g.Sum(t[0]), g.Mean(t[0]), 1f, 3f),
            x => [ReferenceBackend.Sum(x[0]) + 3 * ReferenceBackend.Sum(x[0]) / x[0].Length], [In(9, 3, 5, 7)]);

    [Fact]
    public void Dropout_matches_reference_mask_and_scales_kept_values()
    {
        var drop = new Dropout(0.3f, 77, 0);
        GradCheck.Check((g, t) =>
        {
            g.Training = true;
            g.Seed = 77;
            g.RngOffset = 0;
            return g.Dropout(t[0], 0.3f);
        }, x => ReferenceBackend.Dropout(x[0], drop), [In(10, 11, 29)]);
    }

    [Fact]
    public void Dropout_keeps_the_expected_fraction()
    {
        int n = 200_000, kept = 0;
        for (int i = 0; i < n; i++) if (CounterRng.Keep(0.1f, 5, (ulong)i)) kept++;
        // Binomial(n, 0.9): standard deviation sqrt(n·0.9·0.1) ≈ 134; allow 5σ.
        Assert.InRange(kept, 0.9 * n - 670, 0.9 * n + 670);
    }

    [Fact]
    public void Dropout_is_identity_in_eval_mode()
    {
        using var g = new BertCore.Autograd.Graph(new BertCore.Backends.Cpu.CpuBackend());
        var x = g.Input(TestData.Uniform(10, 1), 10);
        Assert.Same(x, g.Dropout(x, 0.5f));
    }
}
