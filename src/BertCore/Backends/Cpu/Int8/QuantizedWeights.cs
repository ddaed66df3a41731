using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>
/// A Linear weight W [N, K] quantized for <see cref="Int8Gemm"/>: per output channel (row j of W) a symmetric scale
/// s_j = max_k |W[j, k]| / <see cref="MaxMagnitude"/> and q[j, k] = round(W[j, k] / s_j) (to even) in
/// [-MaxMagnitude, MaxMagnitude]. Seven bits, not eight: AVX2's vpmaddubsw adds two u8 × s8 products into a saturating
/// int16, and 2 · 255 · 63 = 32,130 fits where 2 · 255 · 127 would not, so every kernel path (AVX2, AVX-512BW, VNNI,
/// scalar) gives the same int32 sums. Packed once into 16-column slivers [ceil(N/16), K4/4, 16, 4] (K4 = K rounded up
/// to 4, zero padded): each 32-bit lane holds the 4 consecutive k of one column, the operand layout of vpmaddubsw and
/// vpdpbusd. Also keeps each column's Σ_k q[j, k], which removes the activations' zero point. Freed with this object.
/// </summary>
internal sealed unsafe class QuantizedWeights : IDisposable
{
    /// <summary>Largest |q|: 7-bit weights (see the class summary).</summary>
    public const int MaxMagnitude = 63;

    /// <summary>Columns per packed sliver: one 512-bit vector, two 256-bit ones, of int32 accumulators.</summary>
    public const int SliverColumns = 16;

    private sbyte* _packed;

    /// <summary>Packs already quantized weights. q [N, K] row-major in [-MaxMagnitude, MaxMagnitude]; scales [N].</summary>
    public QuantizedWeights(ReadOnlySpan<sbyte> q, ReadOnlySpan<float> scales, int n, int k)
    {
        if (q.Length != (long)n * k || scales.Length != n) throw new ArgumentException($"int8 weights: {q.Length} values and {scales.Length} scales do not make [{n}, {k}]");
        N = n;
        K = k;
        K4 = (k + 3) / 4 * 4;
        Slivers = (n + SliverColumns - 1) / SliverColumns;
        long bytes = Math.Max(1L, (long)Slivers * SliverColumns * K4);
        _packed = (sbyte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        NativeMemory.Clear(_packed, (nuint)bytes);
        Scales = scales.ToArray();
        ColumnSums = new int[n];
        for (int j = 0; j < n; j++)
        {
            sbyte* sliver = Sliver(j / SliverColumns);
            int column = j % SliverColumns, sum = 0;
            for (int kk = 0; kk < k; kk++)
            {
                sbyte v = q[j * k + kk];
                if (v < -MaxMagnitude || v > MaxMagnitude) throw new ArgumentOutOfRangeException(nameof(q), $"int8 weight [{j}, {kk}] = {v} is outside ±{MaxMagnitude}");
                sliver[(kk / 4 * SliverColumns + column) * 4 + kk % 4] = v;
                sum += v;
            }
            ColumnSums[j] = sum;
        }
    }

    /// <summary>Quantizes w [n, k] (row-major fp32, Hugging Face [out, in]) per output channel, as the class summary says.</summary>
    public static QuantizedWeights Quantize(ReadOnlySpan<float> w, int n, int k)
    {
        if (w.Length != (long)n * k) throw new ArgumentException($"a weight of {w.Length} values is not [{n}, {k}]");
        var q = new sbyte[(long)n * k];
        var scales = new float[n];
        for (int j = 0; j < n; j++)
        {
            var row = w.Slice(j * k, k);
            float max = 0f;
            foreach (float v in row)
            {
                if (!float.IsFinite(v)) throw new ArgumentException($"weight [{j}, ...] holds {v}: only finite weights can be quantized");
                max = Math.Max(max, Math.Abs(v));
            }
            scales[j] = max == 0f ? 1f : max / MaxMagnitude;
            float inverse = max == 0f ? 0f : MaxMagnitude / max;
            for (int kk = 0; kk < k; kk++)
                q[j * k + kk] = (sbyte)Math.Clamp((int)MathF.Round(row[kk] * inverse), -MaxMagnitude, MaxMagnitude);
        }
        return new QuantizedWeights(q, scales, n, k);
    }

    /// <summary>Output channels (columns of the product).</summary>
    public int N { get; }

    /// <summary>Input features (the reduction).</summary>
    public int K { get; }

    /// <summary>K rounded up to a multiple of 4: the depth the kernels sweep (4 k per 32-bit lane).</summary>
    public int K4 { get; }

    /// <summary>Packed 16-column slivers: ceil(N / 16).</summary>
    public int Slivers { get; }

    /// <summary>s_j [N]: W[j, k] ≈ s_j · q[j, k].</summary>
    public float[] Scales { get; }

    /// <summary>Σ_k q[j, k] [N].</summary>
    public int[] ColumnSums { get; }

    /// <summary>Sliver s: [K4/4, 16, 4] int8.</summary>
    public sbyte* Sliver(int s) => _packed + (long)s * SliverColumns * K4;

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~QuantizedWeights() => Free();

    private void Free()
    {
        if (_packed == null) return;
        NativeMemory.AlignedFree(_packed);
        _packed = null;
    }
}
