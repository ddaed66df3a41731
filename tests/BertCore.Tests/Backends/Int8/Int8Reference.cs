namespace BertCore.Tests.Backends.Int8;

/// <summary>
/// The int8 scheme written plainly, element by element, as the specification the vectorized code is checked
/// against: activations asymmetric u8 per row, weights symmetric 7-bit per output channel, products in exact integers.
/// </summary>
internal static class Int8Reference
{
    /// <summary>One row x [k] → (q [k] u8, scale, zero): lo = min(0, min x), hi = max(0, max x), scale = (hi − lo) / 255
    /// (1 when hi = lo), inverse = 1 / scale, zero = clamp(round(−lo · inverse)), q = clamp(round(x · inverse) + zero),
    /// rounding to even and clamping to [0, 255].</summary>
    public static (byte[] Q, float Scale, int Zero) QuantizeRow(ReadOnlySpan<float> x)
    {
        float lo = 0f, hi = 0f;
        foreach (float v in x)
        {
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        float scale = hi - lo == 0f ? 1f : (hi - lo) / 255f;
        float inverse = 1f / scale;
        int zero = Math.Clamp((int)MathF.Round(-lo * inverse, MidpointRounding.ToEven), 0, 255);
        var q = new byte[x.Length];
        for (int i = 0; i < x.Length; i++) q[i] = (byte)Math.Clamp((int)MathF.Round(x[i] * inverse, MidpointRounding.ToEven) + zero, 0, 255);
        return (q, scale, zero);
    }

    /// <summary>w [n, k] → (q [n, k] in ±63, scales [n]): s_j = max |w_j| / 63 (1 for a zero row), q = round(w · 63 / max |w_j|).</summary>
    public static (sbyte[] Q, float[] Scales) QuantizeWeights(float[] w, int n, int k)
    {
        var q = new sbyte[n * k];
        var scales = new float[n];
        for (int j = 0; j < n; j++)
        {
            float max = 0f;
            for (int i = 0; i < k; i++) max = Math.Max(max, Math.Abs(w[j * k + i]));
            scales[j] = max == 0f ? 1f : max / 63f;
            for (int i = 0; i < k; i++)
                q[j * k + i] = max == 0f ? (sbyte)0 : (sbyte)Math.Clamp((int)MathF.Round(w[j * k + i] * (63f / max), MidpointRounding.ToEven), -63, 63);
        }
        return (q, scales);
    }

    /// <summary>Σ_k a[i, k] · w[j, k] in 64-bit integers: a [m, k] u8, w [n, k] s8 → [m, n].</summary>
    public static long[] Products(byte[] a, sbyte[] w, int m, int n, int k)
    {
        var c = new long[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                long s = 0;
                for (int t = 0; t < k; t++) s += a[i * k + t] * (long)w[j * k + t];
                c[i * n + j] = s;
            }
        return c;
    }
}
