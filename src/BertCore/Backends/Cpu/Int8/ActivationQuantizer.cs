using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>
/// Dynamic quantization of activations, one row (token) at a time, asymmetric u8: with lo = min(0, min_k x) and
/// hi = max(0, max_k x) (so that 0 is exact), scale = (hi − lo) / 255 (1 for a row of zeros), inverse = 1 / scale,
/// zero = clamp(round(−lo · inverse), 0, 255) and q_k = clamp(round(x_k · inverse) + zero, 0, 255), rounding to even;
/// x_k ≈ scale · (q_k − zero). All eight bits go to the row's own range: a GELU output (−0.17 … large) wastes none on
/// negative values it does not have.
/// </summary>
internal static unsafe class ActivationQuantizer
{
    /// <summary>Quantizes x [k] into q [k4] (k4 = k rounded up to 4; the tail is set to 0) and returns its scale and zero point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (float Scale, int Zero) Row(float* x, int k, byte* q, int k4)
    {
        float lo = 0f, hi = 0f;
        int i = 0;
        if (k >= 8)
        {
            Vector256<float> vlo = Vector256<float>.Zero, vhi = Vector256<float>.Zero;
            for (; i + 8 <= k; i += 8)
            {
                var v = Vector256.Load(x + i);
                vlo = Vector256.Min(vlo, v);
                vhi = Vector256.Max(vhi, v);
            }
            for (int l = 0; l < 8; l++)
            {
                lo = Math.Min(lo, vlo.GetElement(l));
                hi = Math.Max(hi, vhi.GetElement(l));
            }
        }
        for (; i < k; i++)
        {
            lo = Math.Min(lo, x[i]);
            hi = Math.Max(hi, x[i]);
        }
        float scale = hi - lo == 0f ? 1f : (hi - lo) / 255f;
        float inverse = 1f / scale;
        int zero = Math.Clamp((int)MathF.Round(-lo * inverse), 0, 255);
        i = 0;
        var vInverse = Vector256.Create(inverse);
        var vZero = Vector256.Create(zero);
        var vMax = Vector256.Create(255);
        for (; i + 32 <= k; i += 32)
        {
            var q0 = Level(Vector256.Load(x + i), vInverse, vZero, vMax);
            var q1 = Level(Vector256.Load(x + i + 8), vInverse, vZero, vMax);
            var q2 = Level(Vector256.Load(x + i + 16), vInverse, vZero, vMax);
            var q3 = Level(Vector256.Load(x + i + 24), vInverse, vZero, vMax);
            var bytes = Vector256.Narrow(Vector256.Narrow(q0, q1), Vector256.Narrow(q2, q3));
            Vector256.Store(bytes.AsByte(), q + i);
        }
        for (; i < k; i++) q[i] = (byte)Math.Clamp((int)MathF.Round(x[i] * inverse) + zero, 0, 255);
        for (; i < k4; i++) q[i] = 0;
        return (scale, zero);
    }

    /// <summary>clamp(round(x · inverse) + zero, 0, 255) per lane.</summary>
    private static Vector256<int> Level(Vector256<float> x, Vector256<float> inverse, Vector256<int> zero, Vector256<int> max) =>
        Vector256.Clamp(Vector256.ConvertToInt32(Vector256.Round(x * inverse)) + zero, Vector256<int>.Zero, max);
}
