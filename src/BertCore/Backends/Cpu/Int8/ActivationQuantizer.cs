using System.Numerics.Tensors;
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
        var row = new ReadOnlySpan<float>(x, k);
        float lo = Math.Min(0f, TensorPrimitives.Min(row)), hi = Math.Max(0f, TensorPrimitives.Max(row));
        float scale = hi - lo == 0f ? 1f : (hi - lo) / 255f;
        float inverse = 1f / scale;
        int zero = Math.Clamp((int)MathF.Round(-lo * inverse), 0, 255);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var wInverse = Vector512.Create(inverse);
            var wZero = Vector512.Create(zero);
            var wMax = Vector512.Create(255);
            for (; i + 64 <= k; i += 64)
            {
                var q0 = Level(Vector512.Load(x + i), wInverse, wZero, wMax);
                var q1 = Level(Vector512.Load(x + i + 16), wInverse, wZero, wMax);
                var q2 = Level(Vector512.Load(x + i + 32), wInverse, wZero, wMax);
                var q3 = Level(Vector512.Load(x + i + 48), wInverse, wZero, wMax);
                var bytes = Vector512.Narrow(Vector512.Narrow(q0, q1), Vector512.Narrow(q2, q3));
                Vector512.Store(bytes.AsByte(), q + i);
            }
        }
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

    /// <summary>clamp(round(x · inverse) + zero, 0, 255) per lane (16 lanes: the same bits per lane as 8).</summary>
    private static Vector512<int> Level(Vector512<float> x, Vector512<float> inverse, Vector512<int> zero, Vector512<int> max) =>
        Vector512.Clamp(Vector512.ConvertToInt32(Vector512.Round(x * inverse)) + zero, Vector512<int>.Zero, max);

    /// <summary>clamp(round(x · inverse) + zero, 0, 255) per lane.</summary>
    private static Vector256<int> Level(Vector256<float> x, Vector256<float> inverse, Vector256<int> zero, Vector256<int> max) =>
        Vector256.Clamp(Vector256.ConvertToInt32(Vector256.Round(x * inverse)) + zero, Vector256<int>.Zero, max);
}
