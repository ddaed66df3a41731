namespace BertCore.Tests.Support;

/// <summary>Deterministic test data.</summary>
internal static class TestData
{
    /// <summary>n values uniform in [-scale, scale).</summary>
    public static float[] Uniform(int n, int seed, float scale = 1f)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((r.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>n integers in [0, max).</summary>
    public static int[] Ints(int n, int seed, int max)
    {
        var r = new Random(seed);
        var a = new int[n];
        for (int i = 0; i < n; i++) a[i] = r.Next(max);
        return a;
    }

    public static double[] ToDouble(this float[] a) => Array.ConvertAll(a, v => (double)v);
}
