using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class ElementwiseTests
{
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
