namespace BertCore.Backends.Reference;

/// <summary>
/// The scalar, double-precision reference of every op: plain loops written for clarity, no SIMD, no threads.
/// Both backends are tested against it, and gradient tests differentiate it numerically. Arrays are row-major;
/// each method states its shapes. Each group of ops lives in its own ReferenceOps.*.cs file.
/// </summary>
public static partial class ReferenceOps
{
    /// <summary>erf(x) to about 1e-15: Taylor series for |x| &lt; 3, Laplace continued fraction for erfc beyond.</summary>
    public static double Erf(double x) => Math.Abs(x) < 3 ? ErfSeries(x) : Math.Sign(x) * (1 - Erfc(Math.Abs(x)));

    /// <summary>erfc(x) = 1 - erf(x) with full relative precision in the right tail.</summary>
    public static double Erfc(double x)
    {
        if (x < 0) return 2 - Erfc(-x);
        if (x < 3) return 1 - ErfSeries(x);
        // erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), evaluated from the tail.
        double f = x;
        for (int n = 60; n >= 1; n--) f = x + n / 2.0 / f;
        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }

    /// <summary>erf(x) = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1)), for |x| &lt; 3 (terms stay below ~1e3).</summary>
    private static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 100; n++)
        {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
        }
        return sum * 2 / Math.Sqrt(Math.PI);
    }

    /// <summary>Exact GELU: x · Φ(x) with Φ(x) = erfc(-x/√2)/2 (erfc keeps the left tail exact).</summary>
    public static double Gelu(double x) => 0.5 * x * Erfc(-x / Math.Sqrt(2));

    public static double[] Gelu(double[] x) => x.Select(Gelu).ToArray();

    public static double[] Tanh(double[] x) => x.Select(Math.Tanh).ToArray();

    /// <summary>alpha·a + beta·b, element-wise.</summary>
    public static double[] Add(double[] a, double[] b, double alpha = 1, double beta = 1) =>
        a.Select((v, i) => alpha * v + beta * b[i]).ToArray();

    public static double[] Mul(double[] a, double[] b) => a.Select((v, i) => v * b[i]).ToArray();

    public static double[] Scale(double[] x, double alpha) => x.Select(v => alpha * v).ToArray();

    public static double Sum(double[] x) => x.Sum();

    /// <summary>Dropout with the counter RNG: element i kept when Uniform(seed, offset+i) ≥ p, scaled by 1/(1-p).</summary>
    public static double[] Dropout(double[] x, Dropout d) =>
        x.Select((v, i) => CounterRng.Keep(d.P, d.Seed, d.Offset + (ulong)i) ? v / (1 - (double)d.P) : 0).ToArray();

    /// <summary>table [V, C], index [N] → [N, C].</summary>
    public static double[] GatherRows(double[] table, int cols, int[] index)
    {
        var y = new double[index.Length * cols];
        for (int i = 0; i < index.Length; i++)
            for (int c = 0; c < cols; c++)
                y[i * cols + c] = table[index[i] * cols + c];
        return y;
    }
}
