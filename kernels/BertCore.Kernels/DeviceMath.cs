using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>Scalar math shared by the kernels: the exact-erf GELU of the CPU backend (GeluMath) and warp reductions.</summary>
public static class DeviceMath
{
    private const float InvSqrt2 = 0.70710678118654752f;
    private const float InvSqrt2Pi = 0.39894228040143268f;

    /// <summary>Φ(x) through erfc's Chebyshev fit (Numerical Recipes erfcc, |error| &lt; 1.2e-7), the CPU backend's formula.</summary>
    public static float Cdf(float x)
    {
        float z = XMath.Abs(x) * InvSqrt2;
        float t = 1f / (1f + 0.5f * z);
        float poly = -1.26551223f + t * (1.00002368f + t * (0.37409196f + t * (0.09678418f + t * (-0.18628806f +
            t * (0.27886807f + t * (-1.13520398f + t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
        float halfErfc = 0.5f * t * XMath.Exp(-z * z + poly);
        return x < 0 ? halfErfc : 1f - halfErfc;
    }

    /// <summary>gelu(x) = x·Φ(x).</summary>
    public static float Gelu(float x) => x * Cdf(x);

    /// <summary>gelu'(x) = Φ(x) + x·φ(x).</summary>
    public static float GeluDerivative(float x) => Cdf(x) + x * (XMath.Exp(-0.5f * x * x) * InvSqrt2Pi);

    /// <summary>The sum of <paramref name="value"/> over the 32 lanes of a warp, in every lane (butterfly shuffles).</summary>
    public static float WarpSum(float value)
    {
        for (int mask = 16; mask > 0; mask >>= 1) value += ILGPU.Warp.ShuffleXor(value, mask);
        return value;
    }

    /// <summary>The maximum of <paramref name="value"/> over the 32 lanes of a warp, in every lane.</summary>
    public static float WarpMax(float value)
    {
        for (int mask = 16; mask > 0; mask >>= 1) value = XMath.Max(value, ILGPU.Warp.ShuffleXor(value, mask));
        return value;
    }
}
