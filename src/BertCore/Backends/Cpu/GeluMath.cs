using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Exact GELU, x·Φ(x) with Φ(x) = erfc(-x/√2)/2, and its derivative Φ(x) + x·φ(x). erfc(z) for z ≥ 0 is the
/// Chebyshev fit of Numerical Recipes ("erfcc", fractional error below 1.2e-7 everywhere), so Φ keeps full
/// fp32 relative accuracy in both tails. The vector forms (8 and 16 lanes, the same operations per lane) take their
/// exponentials from <see cref="FastExp"/>.
/// </summary>
internal static class GeluMath
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>Φ(x) for a vector of x; also returns exp(-x²/2) for the derivative when asked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Cdf(Vector256<float> x, bool withGauss, out Vector256<float> gauss)
    {
        var z = Vector256.Abs(x) * InvSqrt2;
        var t = Vector256<float>.One / (Vector256<float>.One + 0.5f * z);
        var poly = Vector256.Create(0.17087277f);
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(-0.82215223f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(1.48851587f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(-1.13520398f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(0.27886807f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(-0.18628806f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(0.09678418f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(0.37409196f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(1.00002368f));
        poly = Vector256.FusedMultiplyAdd(poly, t, Vector256.Create(-1.26551223f));
        var minusZ2 = -(z * z);
        gauss = withGauss ? FastExp.Exp(minusZ2) : default;
        var halfErfc = 0.5f * t * FastExp.Exp(minusZ2 + poly);
        return Vector256.ConditionalSelect(Vector256.LessThan(x, Vector256<float>.Zero), halfErfc, Vector256<float>.One - halfErfc);
    }

    /// <summary>The same Φ(x) on 16 lanes, bitwise the 8-lane form lane by lane; also returns exp(-x²/2) for the derivative when asked.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Cdf(Vector512<float> x, bool withGauss, out Vector512<float> gauss)
    {
        var z = Vector512.Abs(x) * InvSqrt2;
        var t = Vector512<float>.One / (Vector512<float>.One + 0.5f * z);
        var poly = Vector512.Create(0.17087277f);
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(-0.82215223f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(1.48851587f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(-1.13520398f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(0.27886807f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(-0.18628806f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(0.09678418f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(0.37409196f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(1.00002368f));
        poly = Vector512.FusedMultiplyAdd(poly, t, Vector512.Create(-1.26551223f));
        var minusZ2 = -(z * z);
        gauss = withGauss ? FastExp.Exp(minusZ2) : default;
        var halfErfc = 0.5f * t * FastExp.Exp(minusZ2 + poly);
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<float>.Zero), halfErfc, Vector512<float>.One - halfErfc);
    }

    public static float Cdf(float x, out float gauss)
    {
        float z = MathF.Abs(x) * InvSqrt2;
        float t = 1f / (1f + 0.5f * z);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f +
            t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        gauss = MathF.Exp(-z * z);
        float halfErfc = 0.5f * t * MathF.Exp(-z * z + poly);
        return x < 0 ? halfErfc : 1f - halfErfc;
    }

    public static Vector256<float> Gelu(Vector256<float> x) => x * Cdf(x, withGauss: false, out _);

    public static Vector512<float> Gelu(Vector512<float> x) => x * Cdf(x, withGauss: false, out _);

    public static float Gelu(float x) => x * Cdf(x, out _);

    /// <summary>gelu'(x) = Φ(x) + x·φ(x).</summary>
    public static Vector256<float> GeluDerivative(Vector256<float> x) => Cdf(x, withGauss: true, out var g) + x * (g * InvSqrt2Pi);

    public static Vector512<float> GeluDerivative(Vector512<float> x) => Cdf(x, withGauss: true, out var g) + x * (g * InvSqrt2Pi);

    public static float GeluDerivative(float x) => Cdf(x, out var g) + x * (g * InvSqrt2Pi);
}
