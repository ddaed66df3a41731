using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Optim;

public class AdamWKernelTests
{
    /// <summary>
    /// Three steps on 100,003 elements (vector body, scalar tail, threaded chunks) against the double reference.
    /// fp32 rounding of each of a dozen operations per element stays within ~1e-6 of the parameter scale.
    /// </summary>
    [Theory]
    [InlineData(37)]
    [InlineData(100_003)]
    public void Matches_the_double_reference(int n)
    {
        var backend = new CpuBackend();
        var p = TestData.Uniform(n, 1);
        var dp = p.ToDouble();
        var dm = new double[n];
        var dv = new double[n];
        using var param = Tensor.FromArray(p, n);
        using var m = Tensor.Zeros(n);
        using var v = Tensor.Zeros(n);
        for (int t = 1; t <= 3; t++)
        {
            var g = TestData.Uniform(n, 10 + t, 0.1f);
            using var grad = Tensor.FromArray(g, n);
            var step = new AdamWStep(1e-2f, 0.9f, 0.999f, 1e-6f, 0.01f, t, GradScale: 0.5f);
            backend.AdamW(param, grad, m, v, step);
            ReferenceBackend.AdamW(dp, g.ToDouble(), dm, dv, step);
            Close.RelativeToMax(param.Span, dp, 1e-6, $"parameters after step {t}");
            Close.RelativeToMax(m.Span, dm, 1e-6, $"first moment after step {t}");
            Close.RelativeToMax(v.Span, dv, 1e-6, $"second moment after step {t}");
        }
    }
}
