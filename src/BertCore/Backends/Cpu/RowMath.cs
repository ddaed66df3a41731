using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Kernels over one contiguous row of n floats, shared by softmax, attention and cross-entropy: 512-bit vectors
/// where AVX-512 runs them, 256-bit vectors, then a scalar tail (exponentials from <see cref="FastExp"/> in the
/// vector parts). Sums keep the 8-lane order whatever the width, so a given n always gives the same bits, on any
/// machine.
/// </summary>
internal static unsafe class RowMath
{
    /// <summary>Largest of x[0..n), n ≥ 1 (NaN if any is NaN).</summary>
    public static float Max(float* x, int n) => TensorPrimitives.Max(new ReadOnlySpan<float>(x, n));

    /// <summary>Σ a[i] · b[i].</summary>
    public static float Dot(float* a, float* b, int n) =>
        TensorPrimitives.Dot(new ReadOnlySpan<float>(a, n), new ReadOnlySpan<float>(b, n));

    /// <summary>y[i] += alpha · x[i].</summary>
    public static void AddScaled(float* x, float alpha, float* y, int n)
    {
        var to = new Span<float>(y, n);
        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(x, n), alpha, to, to);
    }

    /// <summary>y = softmax(x), max subtracted (x and y may be the same row).</summary>
    public static void Softmax(float* x, float* y, int n)
    {
        float sum = ExpSum(x, y, n, Max(x, n));
        var to = new Span<float>(y, n);
        TensorPrimitives.Multiply(to, 1f / sum, to);
    }

    /// <summary>log Σ exp(x[i]), max subtracted.</summary>
    public static float LogSumExp(float* x, int n)
    {
        float max = Max(x, n);
        return max + MathF.Log(ExpSum(x, null, n, max));
    }

    /// <summary>y[i] = exp(x[i] − shift) unless y is null; returns Σ exp(x[i] − shift). x and y may be the same row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ExpSum(float* x, float* y, int n, float shift)
    {
        var s = Vector256.Create(shift);
        var acc = Vector256<float>.Zero;
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // Sixteen exponentials at once, added into the 8-lane sum half by half: the 8-lane loop's order.
            var s16 = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16)
            {
                var e = FastExp.Exp(Vector512.Load(x + i) - s16);
                if (y != null) Vector512.Store(e, y + i);
                acc += e.GetLower();
                acc += e.GetUpper();
            }
        }
        for (; i + 8 <= n; i += 8)
        {
            var e = FastExp.Exp(Vector256.Load(x + i) - s);
            if (y != null) Vector256.Store(e, y + i);
            acc += e;
        }
        float sum = Vector256.Sum(acc);
        for (; i < n; i++)
        {
            float e = MathF.Exp(x[i] - shift);
            if (y != null) y[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>y[i] += alpha · exp(x[i] − shift).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaledExp(float* x, float shift, float alpha, float* y, int n)
    {
        var s = Vector256.Create(shift);
        var a = Vector256.Create(alpha);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            var s16 = Vector512.Create(shift);
            var a16 = Vector512.Create(alpha);
            for (; i + 16 <= n; i += 16)
                Vector512.Store(Vector512.FusedMultiplyAdd(a16, FastExp.Exp(Vector512.Load(x + i) - s16), Vector512.Load(y + i)), y + i);
        }
        for (; i + 8 <= n; i += 8)
            Vector256.Store(Vector256.FusedMultiplyAdd(a, FastExp.Exp(Vector256.Load(x + i) - s), Vector256.Load(y + i)), y + i);
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(alpha, MathF.Exp(x[i] - shift), y[i]);
    }
}
