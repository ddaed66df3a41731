using System.Runtime.Intrinsics;
using BertCore.Backends.Cpu;
using Xunit;

namespace BertCore.Tests.Backends;

public class FastExpTests
{
    private static float[] Exp(float[] x)
    {
        var y = new float[x.Length];
        for (int i = 0; i + 8 <= x.Length; i += 8) FastExp.Exp(Vector256.Create(x.AsSpan(i, 8))).CopyTo(y.AsSpan(i, 8));
        return y;
    }

    /// <summary>Relative error against double exp over the whole normal range, sampled densely: under 2 ulp
    /// (fp32's ulp is 6e-8 to 1.2e-7 of the value), the accuracy of a library expf.</summary>
    [Fact]
    public void Relative_error_stays_below_2e_7_where_exp_is_a_normal_float()
    {
        const int n = 1 << 20;
        var x = new float[n];
        for (int i = 0; i < n; i++) x[i] = -87.33f + (88.72f + 87.33f) * i / (n - 1);
        var y = Exp(x);
        double worst = 0;
        for (int i = 0; i < n; i++) worst = Math.Max(worst, Math.Abs(y[i] / Math.Exp(x[i]) - 1));
        Assert.True(worst < 2e-7, $"worst relative error {worst:E3}");
    }

    [Fact]
    public void Edges_give_zero_infinity_and_nan()
    {
        float[] x = [float.MinValue, float.NegativeInfinity, -87.5f, -1000f, 88.75f, float.PositiveInfinity, float.NaN, 0f];
        var y = Exp(x);
        Assert.Equal([0f, 0f, 0f, 0f, float.PositiveInfinity, float.PositiveInfinity], y[..6]);
        Assert.True(float.IsNaN(y[6]));
        Assert.Equal(1f, y[7]);
    }
}
