using Xunit.Sdk;

namespace BertCore.Tests.Support;

/// <summary>Closeness checks that report the worst element.</summary>
internal static class Close
{
    /// <summary>
    /// Every |actual − expected| ≤ tolerance · max(max|expected|, floor): an error relative to the tensor's
    /// largest magnitude, the scale that fp32 rounding errors follow. The floor keeps an all-zero expectation
    /// from demanding exact zeros. A NaN expected demands a NaN actual there (and does not enter the scale).
    /// </summary>
    public static void RelativeToMax(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double tolerance, string what, double floor = 1e-6)
    {
        if (actual.Length != expected.Length)
            throw new XunitException($"{what}: {actual.Length} values, expected {expected.Length}");
        double scale = floor;
        foreach (var e in expected)
            if (!double.IsNaN(e)) scale = Math.Max(scale, Math.Abs(e));
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double d = double.IsNaN(expected[i]) ? (double.IsNaN(actual[i]) ? 0 : double.PositiveInfinity)
                : double.IsNaN(actual[i]) ? double.PositiveInfinity : Math.Abs(actual[i] - expected[i]);
            if (d > worst || at < 0) { worst = d; at = i; }
        }
        if (worst > tolerance * scale)
            throw new XunitException(
                $"{what}: element {at} is {actual[at]}, expected {expected[at]} (error {worst:E3} > {tolerance:E1} × max {scale:E3})");
    }

    public static void RelativeToMax(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected, double tolerance, string what, double floor = 1e-6) =>
        RelativeToMax(actual, Array.ConvertAll(expected.ToArray(), v => (double)v), tolerance, what, floor);
}
