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

    /// <summary>Inputs across exp's and GELU's whole range, edges included: a dense sweep of [−100, 100] plus the
    /// special values.</summary>
    private static float[] Sweep()
    {
        const int n = 1 << 16;
        var x = new float[n + 16];
        for (int i = 0; i < n; i++) x[i] = -100f + 200f * i / (n - 1);
        float[] special = [float.MinValue, float.MaxValue, float.NegativeInfinity, float.PositiveInfinity, float.NaN, 0f, -0f,
            -87.5f, 88.75f, 1e-30f, -1e-30f, 5.5f, -5.5f, 0.5f, -0.5f, 3f];
        special.CopyTo(x, n);
        return x;
    }

    /// <summary>
    /// The 16-lane forms (used where AVX-512 runs them) do the 8-lane forms' operations lane by lane, so they must
    /// give the same bits, or results would depend on the machine. Vector512 runs in software where the hardware
    /// lacks it, so this holds, and is checked, on every machine.
    /// </summary>
    [Fact]
    public void Sixteen_lane_exp_and_gelu_are_bitwise_the_eight_lane_forms()
    {
        var x = Sweep();
        for (int i = 0; i + 16 <= x.Length; i += 16)
        {
            var wide = Vector512.Create(x.AsSpan(i, 16));
            var (lo, hi) = (Vector256.Create(x.AsSpan(i, 8)), Vector256.Create(x.AsSpan(i + 8, 8)));
            AssertSameBits(Vector512.Create(FastExp.Exp(lo), FastExp.Exp(hi)), FastExp.Exp(wide), "exp", x, i);
            AssertSameBits(Vector512.Create(GeluMath.Gelu(lo), GeluMath.Gelu(hi)), GeluMath.Gelu(wide), "gelu", x, i);
            AssertSameBits(Vector512.Create(GeluMath.GeluDerivative(lo), GeluMath.GeluDerivative(hi)), GeluMath.GeluDerivative(wide),
                "gelu'", x, i);
        }
    }

    private static void AssertSameBits(Vector512<float> expected, Vector512<float> actual, string what, float[] x, int offset)
    {
        for (int lane = 0; lane < 16; lane++)
        {
            int e = BitConverter.SingleToInt32Bits(expected[lane]), a = BitConverter.SingleToInt32Bits(actual[lane]);
            if (float.IsNaN(expected[lane]) && float.IsNaN(actual[lane])) continue;
            Assert.True(e == a, $"{what}({x[offset + lane]:R}): 8 lanes {expected[lane]:R}, 16 lanes {actual[lane]:R}");
        }
    }

    /// <summary>RowMath.ExpSum takes 16 exponentials at a time on AVX-512 machines; its sum must still be the 8-lane
    /// loop's (lanes summed in 8 accumulators, in order, then the scalar tail), so that softmax, attention and
    /// cross-entropy give the same bits on every machine. Rows of 1 to 70 values cover every mix of 16-, 8-lane and
    /// scalar steps.</summary>
    [Fact]
    public unsafe void Exp_sum_adds_in_the_eight_lane_order_at_every_vector_width()
    {
        var random = new Random(3);
        for (int n = 1; n <= 70; n++)
        {
            var x = new float[n];
            for (int i = 0; i < n; i++) x[i] = (float)(random.NextDouble() * 20 - 10);
            var y = new float[n];
            float sum;
            fixed (float* px = x, py = y) sum = RowMath.ExpSum(px, py, n, 2.5f);

            var acc = Vector256<float>.Zero;
            var expected = new float[n];
            int j = 0;
            for (; j + 8 <= n; j += 8)
            {
                var e = FastExp.Exp(Vector256.Create(x.AsSpan(j, 8)) - Vector256.Create(2.5f));
                e.CopyTo(expected.AsSpan(j, 8));
                acc += e;
            }
            float expectedSum = Vector256.Sum(acc);
            for (; j < n; j++) expectedSum += expected[j] = MathF.Exp(x[j] - 2.5f);
            Assert.Equal(expected, y);
            Assert.Equal(BitConverter.SingleToInt32Bits(expectedSum), BitConverter.SingleToInt32Bits(sum));
        }
    }
}
