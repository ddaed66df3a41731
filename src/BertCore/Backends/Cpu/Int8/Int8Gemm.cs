using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>
/// y = x · Wᵀ + b (then GELU, optionally) with int8 products: each row of x is quantized on the fly
/// (<see cref="ActivationQuantizer"/>), W comes quantized per output channel (<see cref="QuantizedWeights"/>), every
/// product is an exact int32 sum (<see cref="Int8Kernel"/>) and is dequantized with both scales:
/// y[i, j] = float(acc[i, j] − zero_i · Σ_k q[j, k]) · (scale_i · s_j) + b[j]. The sums are exact and the epilogue is
/// one code for every path, so the outputs are bitwise the same on every path and for any number of threads.
/// Threads take parts of <see cref="RowBlock"/> rows × <see cref="SliverBlock"/> slivers.
/// </summary>
internal static unsafe class Int8Gemm
{
    /// <summary>Rows of a part: whole tiles; a block of quantized rows (≤ 60 × 3072 bytes) stays in L2 while the
    /// part's slivers sweep it.</summary>
    public const int RowBlock = 10 * Int8Kernel.MR;

    /// <summary>Weight slivers of a part (64 columns).</summary>
    public const int SliverBlock = 4;

    /// <summary>x [m, w.K] fp32; bias [w.N] or null; y [m, w.N] receives the product (+ bias), or its GELU when <paramref name="gelu"/>.</summary>
    public static void Run(WorkerPool pool, Int8Path path, float* x, int m, QuantizedWeights w, float* bias, float* y, bool gelu)
    {
        if (m == 0 || w.N == 0) return;
        int k4 = w.K4;
        byte* rows = GemmScratch.ForThisThread().Int8Rows((long)m * k4 + 2L * m * sizeof(float));
        var quantized = new QuantizedActivations(rows, (float*)(rows + (long)m * k4), (int*)(rows + (long)m * k4) + m, k4);
        var quantize = new QuantizeJob(x, w.K, quantized);
        pool.For(m, w.K, ref quantize);
        fixed (float* scales = w.Scales)
        fixed (int* sums = w.ColumnSums)
        {
            var parts = new Parts(path, quantized, m, w, scales, sums, bias, y, gelu);
            if ((long)m * w.N * k4 < Gemm.ParallelWork) parts.Run(0, parts.Count);
            else pool.ForEach(parts.Count, ref parts);
        }
    }

    /// <summary>Quantized rows q [m, k4] u8 with their scales [m] and zero points [m].</summary>
    private readonly struct QuantizedActivations(byte* q, float* scales, int* zeros, int k4)
    {
        public byte* Q => q;
        public float* Scales => scales;
        public int* Zeros => zeros;
        public int K4 => k4;
    }

    /// <summary>Rows [start, end) of x [m, k] quantized.</summary>
    private readonly struct QuantizeJob(float* x, int k, QuantizedActivations a) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
                (a.Scales[i], a.Zeros[i]) = ActivationQuantizer.Row(x + (long)i * k, k, a.Q + (long)i * a.K4, a.K4);
        }
    }

    /// <summary>Parts [start, end): part p covers row block p / SliverBlocks and sliver block p % SliverBlocks.
    /// scales [N], sums [N]: the weights' scales and column sums; bias [N] or null; y [m, N].</summary>
    private readonly struct Parts(Int8Path path, QuantizedActivations a, int m, QuantizedWeights w, float* scales, int* sums, float* bias, float* y, bool gelu) : IRangeJob
    {
        private int SliverBlocks => (w.Slivers + SliverBlock - 1) / SliverBlock;

        public int Count => (m + RowBlock - 1) / RowBlock * SliverBlocks;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Run(int start, int end)
        {
            int* acc = stackalloc int[Int8Kernel.MR * Int8Kernel.NR];
            var epilogue = new Epilogue(a, scales, sums, bias, y, w.N, gelu);
            for (int part = start; part < end; part++)
            {
                int i0 = part / SliverBlocks * RowBlock, i1 = Math.Min(m, i0 + RowBlock);
                int s0 = part % SliverBlocks * SliverBlock, s1 = Math.Min(w.Slivers, s0 + SliverBlock);
                for (int s = s0; s < s1; s++)
                {
                    sbyte* sliver = w.Sliver(s);
                    for (int i = i0; i < i1; i += Int8Kernel.MR)
                    {
                        int rows = Math.Min(Int8Kernel.MR, i1 - i);
                        Int8Kernel.Tile(path, a.K4 / 4, a.Q + (long)i * a.K4, a.K4, rows, sliver, acc);
                        epilogue.Tile(acc, i, rows, s * Int8Kernel.NR);
                    }
                }
            }
        }
    }

    /// <summary>Dequantization of tiles into y [m, n]: y = float(acc − zero_i · sums_j) · (scale_i · scales_j) + bias_j, then GELU.
    /// 16 lanes at a time where AVX-512 runs them (the same bits as 8 lanes: every step is one IEEE operation per lane, and
    /// <see cref="GeluMath"/>'s two forms agree lane by lane). At 8 lanes, mostly for the exact GELU, this epilogue took 22% of
    /// an int8 `predict` of SST-2 with a minilm-l6 classifier against 32% for the int8 products (perf, AVX-512 machine).</summary>
    private readonly struct Epilogue(QuantizedActivations a, float* scales, int* sums, float* bias, float* y, int n, bool gelu)
    {
        /// <summary>acc [MR, 16] of rows [i, i + rows) and columns [j, j + 16) (those below n).</summary>
        public void Tile(int* acc, int i, int rows, int j)
        {
            int cols = Math.Min(Int8Kernel.NR, n - j);
            for (int r = 0; r < rows; r++)
            {
                int* sum = acc + r * Int8Kernel.NR;
                float scale = a.Scales[i + r];
                int zero = a.Zeros[i + r];
                float* yr = y + (long)(i + r) * n + j;
                int c = 0;
                if (Vector512.IsHardwareAccelerated)
                    for (; c + 16 <= cols; c += 16)
                    {
                        var v = Vector512.ConvertToSingle(Vector512.Load(sum + c) - Vector512.Create(zero) * Vector512.Load(sums + j + c))
                            * (Vector512.Create(scale) * Vector512.Load(scales + j + c));
                        if (bias != null) v += Vector512.Load(bias + j + c);
                        Vector512.Store(gelu ? GeluMath.Gelu(v) : v, yr + c);
                    }
                for (; c + 8 <= cols; c += 8)
                {
                    var v = Vector256.ConvertToSingle(Vector256.Load(sum + c) - Vector256.Create(zero) * Vector256.Load(sums + j + c))
                        * (Vector256.Create(scale) * Vector256.Load(scales + j + c));
                    if (bias != null) v += Vector256.Load(bias + j + c);
                    Vector256.Store(gelu ? GeluMath.Gelu(v) : v, yr + c);
                }
                for (; c < cols; c++)
                {
                    float v = (sum[c] - zero * sums[j + c]) * (scale * scales[j + c]);
                    if (bias != null) v += bias[j + c];
                    yr[c] = gelu ? GeluMath.Gelu(v) : v;
                }
            }
        }
    }
}
