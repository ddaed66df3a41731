using Xunit.Sdk;

namespace BertCore.Tests.IO.Onnx;

/// <summary>The largest absolute difference of two flattened outputs of the same shape.</summary>
internal static class Differences
{
    /// <summary>max |actual − expected| (infinity where actual is NaN).</summary>
    /// <exception cref="XunitException">The lengths differ.</exception>
    public static double MaxAbs(float[] expected, float[] actual)
    {
        if (expected.Length != actual.Length)
            throw new XunitException($"{actual.Length} values, expected {expected.Length}");
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
            worst = Math.Max(worst, float.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - (double)expected[i]));
        return worst;
    }
}
