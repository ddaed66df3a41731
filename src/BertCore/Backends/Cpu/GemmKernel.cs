using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertCore.Backends.Cpu;

/// <summary>
/// The register-blocked micro-kernel: an MR × NR = 6 × 16 tile of C from packed slivers, held in 12 Vector256
/// accumulators (plus two B vectors and one broadcast A value: 15 of the 16 ymm registers). Every tile element is
/// summed over k in order 0 .. kc-1 with fused multiply-adds, so its value does not depend on how the caller
/// splits the matrix.
/// </summary>
internal static unsafe class GemmKernel
{
    public const int MR = 6;
    public const int NR = 16;

    /// <summary>
    /// c [MR, NR] (row stride ldc) = acc + bias + beta·c with acc = Σ_k a[k, :]ᵀ b[k, :]; beta = 0 never reads c.
    /// a [kc, MR] and b [kc, NR] are packed slivers; bias [NR] or null.
    /// The k loop is unrolled four times (a quarter of the loop overhead beside the 12 FMAs of each k; measured
    /// 5–15% faster in a GEMM on Zen 3), and the C rows that the epilogue will read are prefetched first, so the
    /// loads of a later k slice (beta = 1) find them in L1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile(int kc, float* a, float* b, float* c, long ldc, float beta, float* bias)
    {
        if (beta != 0f && Sse.IsSupported)
            for (int r = 0; r < MR; r++)
            {
                Sse.Prefetch0(c + r * ldc);
                Sse.Prefetch0(c + r * ldc + NR - 1);   // the row's last float: its second cache line when c is not 64-byte aligned
            }
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int k = 0;
        for (; k + 4 <= kc; k += 4, a += 4 * MR, b += 4 * NR)
        {
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + MR, b + NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 2 * MR, b + 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step(a + 3 * MR, b + 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; k < kc; k++, a += MR, b += NR)
            Step(a, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        StoreRow(c00, c01, c, beta, bias);
        StoreRow(c10, c11, c + ldc, beta, bias);
        StoreRow(c20, c21, c + 2 * ldc, beta, bias);
        StoreRow(c30, c31, c + 3 * ldc, beta, bias);
        StoreRow(c40, c41, c + 4 * ldc, beta, bias);
        StoreRow(c50, c51, c + 5 * ldc, beta, bias);
    }

    /// <summary>One k of the tile: c_r· += a[r] · b[0 .. NR) for the MR rows (a [MR], b [NR]). Inlined, the
    /// accumulators stay in registers (checked in the JIT's listing: no stack traffic in <see cref="Tile"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(float* a, float* b,
        ref Vector256<float> c00, ref Vector256<float> c01, ref Vector256<float> c10, ref Vector256<float> c11,
        ref Vector256<float> c20, ref Vector256<float> c21, ref Vector256<float> c30, ref Vector256<float> c31,
        ref Vector256<float> c40, ref Vector256<float> c41, ref Vector256<float> c50, ref Vector256<float> c51)
    {
        var b0 = Vector256.Load(b);
        var b1 = Vector256.Load(b + 8);
        var ai = Vector256.Create(a[0]);
        c00 = Vector256.FusedMultiplyAdd(ai, b0, c00);
        c01 = Vector256.FusedMultiplyAdd(ai, b1, c01);
        ai = Vector256.Create(a[1]);
        c10 = Vector256.FusedMultiplyAdd(ai, b0, c10);
        c11 = Vector256.FusedMultiplyAdd(ai, b1, c11);
        ai = Vector256.Create(a[2]);
        c20 = Vector256.FusedMultiplyAdd(ai, b0, c20);
        c21 = Vector256.FusedMultiplyAdd(ai, b1, c21);
        ai = Vector256.Create(a[3]);
        c30 = Vector256.FusedMultiplyAdd(ai, b0, c30);
        c31 = Vector256.FusedMultiplyAdd(ai, b1, c31);
        ai = Vector256.Create(a[4]);
        c40 = Vector256.FusedMultiplyAdd(ai, b0, c40);
        c41 = Vector256.FusedMultiplyAdd(ai, b1, c41);
        ai = Vector256.Create(a[5]);
        c50 = Vector256.FusedMultiplyAdd(ai, b0, c50);
        c51 = Vector256.FusedMultiplyAdd(ai, b1, c51);
    }

    /// <summary>
    /// <see cref="Tile"/> on 16 lanes, over two neighbouring B slivers at once: c [MR, 2·NR] (row stride ldc) =
    /// acc + bias + beta·c from a [kc, MR] and b0, b1 [kc, NR] (packed slivers; columns NR.. come from b1), bias [2·NR]
    /// or null, in 12 Vector512 accumulators. For machines whose AVX-512 units are 512 bits wide, where it does twice
    /// the work of <see cref="Tile"/> per instruction (on Zen 4, which splits each 512-bit operation in two, the
    /// same speed). Each element is the same k-ordered sum of fused multiply-adds (a lane of a 512-bit FMA rounds as
    /// a lane of a 256-bit one) with the same epilogue, so the bits are those of two calls of Tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WideTile(int kc, float* a, float* b0, float* b1, float* c, long ldc, float beta, float* bias)
    {
        if (beta != 0f && Sse.IsSupported)
            for (int r = 0; r < MR; r++)
            {
                Sse.Prefetch0(c + r * ldc);
                Sse.Prefetch0(c + r * ldc + NR);
                Sse.Prefetch0(c + r * ldc + 2 * NR - 1);   // the row's last float: a third cache line when c is not 64-byte aligned
            }
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        int k = 0;
        for (; k + 4 <= kc; k += 4, a += 4 * MR, b0 += 4 * NR, b1 += 4 * NR)
        {
            WideStep(a, b0, b1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            WideStep(a + MR, b0 + NR, b1 + NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            WideStep(a + 2 * MR, b0 + 2 * NR, b1 + 2 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            WideStep(a + 3 * MR, b0 + 3 * NR, b1 + 3 * NR, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }
        for (; k < kc; k++, a += MR, b0 += NR, b1 += NR)
            WideStep(a, b0, b1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        WideStoreRow(c00, c01, c, beta, bias);
        WideStoreRow(c10, c11, c + ldc, beta, bias);
        WideStoreRow(c20, c21, c + 2 * ldc, beta, bias);
        WideStoreRow(c30, c31, c + 3 * ldc, beta, bias);
        WideStoreRow(c40, c41, c + 4 * ldc, beta, bias);
        WideStoreRow(c50, c51, c + 5 * ldc, beta, bias);
    }

    /// <summary>One k of <see cref="WideTile"/>: c_r0 += a[r] · b0[0 .. NR), c_r1 += a[r] · b1[0 .. NR) for the MR rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WideStep(float* a, float* b0, float* b1,
        ref Vector512<float> c00, ref Vector512<float> c01, ref Vector512<float> c10, ref Vector512<float> c11,
        ref Vector512<float> c20, ref Vector512<float> c21, ref Vector512<float> c30, ref Vector512<float> c31,
        ref Vector512<float> c40, ref Vector512<float> c41, ref Vector512<float> c50, ref Vector512<float> c51)
    {
        var v0 = Vector512.Load(b0);
        var v1 = Vector512.Load(b1);
        var ai = Vector512.Create(a[0]);
        c00 = Vector512.FusedMultiplyAdd(ai, v0, c00);
        c01 = Vector512.FusedMultiplyAdd(ai, v1, c01);
        ai = Vector512.Create(a[1]);
        c10 = Vector512.FusedMultiplyAdd(ai, v0, c10);
        c11 = Vector512.FusedMultiplyAdd(ai, v1, c11);
        ai = Vector512.Create(a[2]);
        c20 = Vector512.FusedMultiplyAdd(ai, v0, c20);
        c21 = Vector512.FusedMultiplyAdd(ai, v1, c21);
        ai = Vector512.Create(a[3]);
        c30 = Vector512.FusedMultiplyAdd(ai, v0, c30);
        c31 = Vector512.FusedMultiplyAdd(ai, v1, c31);
        ai = Vector512.Create(a[4]);
        c40 = Vector512.FusedMultiplyAdd(ai, v0, c40);
        c41 = Vector512.FusedMultiplyAdd(ai, v1, c41);
        ai = Vector512.Create(a[5]);
        c50 = Vector512.FusedMultiplyAdd(ai, v0, c50);
        c51 = Vector512.FusedMultiplyAdd(ai, v1, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WideStoreRow(Vector512<float> lo, Vector512<float> hi, float* c, float beta, float* bias)
    {
        if (beta != 0f)
        {
            var vb = Vector512.Create(beta);
            lo = Vector512.FusedMultiplyAdd(Vector512.Load(c), vb, lo);
            hi = Vector512.FusedMultiplyAdd(Vector512.Load(c + NR), vb, hi);
        }
        if (bias != null)
        {
            lo += Vector512.Load(bias);
            hi += Vector512.Load(bias + NR);
        }
        Vector512.Store(lo, c);
        Vector512.Store(hi, c + NR);
    }

    /// <summary>
    /// <see cref="Tile"/> for a tile cut by the matrix edge: only c [rows, cols] exists. The sums are the same
    /// (the packed slivers are zero-padded), and the epilogue does the same operations in scalar form.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgeTile(int kc, float* a, float* b, float* c, long ldc, int rows, int cols, float beta, float* bias)
    {
        float* acc = stackalloc float[MR * NR];
        Tile(kc, a, b, acc, NR, 0f, null);
        Epilogue(acc, NR, c, ldc, rows, cols, beta, bias);
    }

    /// <summary>Rows up to which <see cref="EdgePair"/> takes a partial A sliver (half of <see cref="MR"/>).</summary>
    public const int PairRows = MR / 2;

    /// <summary>
    /// The last, partial A sliver of a matrix (rows ≤ <see cref="PairRows"/>) against two neighbouring B slivers at
    /// once: c [rows, cols] (cols ≤ 2·NR; columns NR.. come from b1) = acc + bias + beta·c. <see cref="EdgeTile"/>
    /// spends a whole tile's multiply-adds per sliver on these rows (one sequence of 128 rows: 21 full tiles and one
    /// for the last 2 rows); here the 12 accumulators hold 3 rows × 32 columns, half a tile's work per sliver
    /// (128 × 768 × 768 on one thread: +3%, median of 8 alternated runs). Each element is the same k-ordered sum
    /// as in <see cref="Tile"/>, so the bits do not change.
    /// a [kc, MR] packed (rows from PairRows on are not read); b0, b1 [kc, NR] packed; bias [cols] or null.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void EdgePair(int kc, float* a, float* b0, float* b1, float* c, long ldc, int rows, int cols, float beta, float* bias)
    {
        Vector256<float> c00 = default, c01 = default, c02 = default, c03 = default;
        Vector256<float> c10 = default, c11 = default, c12 = default, c13 = default;
        Vector256<float> c20 = default, c21 = default, c22 = default, c23 = default;
        for (int k = 0; k < kc; k++, a += MR, b0 += NR, b1 += NR)
        {
            var v0 = Vector256.Load(b0);
            var v1 = Vector256.Load(b0 + 8);
            var v2 = Vector256.Load(b1);
            var v3 = Vector256.Load(b1 + 8);
            var ai = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ai, v0, c00);
            c01 = Vector256.FusedMultiplyAdd(ai, v1, c01);
            c02 = Vector256.FusedMultiplyAdd(ai, v2, c02);
            c03 = Vector256.FusedMultiplyAdd(ai, v3, c03);
            ai = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(ai, v0, c10);
            c11 = Vector256.FusedMultiplyAdd(ai, v1, c11);
            c12 = Vector256.FusedMultiplyAdd(ai, v2, c12);
            c13 = Vector256.FusedMultiplyAdd(ai, v3, c13);
            ai = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(ai, v0, c20);
            c21 = Vector256.FusedMultiplyAdd(ai, v1, c21);
            c22 = Vector256.FusedMultiplyAdd(ai, v2, c22);
            c23 = Vector256.FusedMultiplyAdd(ai, v3, c23);
        }
        const int width = 2 * NR;
        float* acc = stackalloc float[PairRows * width];
        StoreAccumulators(acc, c00, c01, c02, c03);
        StoreAccumulators(acc + width, c10, c11, c12, c13);
        StoreAccumulators(acc + 2 * width, c20, c21, c22, c23);
        Epilogue(acc, width, c, ldc, rows, cols, beta, bias);
    }

    private static void StoreAccumulators(float* row, Vector256<float> x0, Vector256<float> x1, Vector256<float> x2, Vector256<float> x3)
    {
        Vector256.Store(x0, row);
        Vector256.Store(x1, row + 8);
        Vector256.Store(x2, row + 16);
        Vector256.Store(x3, row + 24);
    }

    /// <summary>c [rows, cols] = acc + beta·c + bias, element by element in the order of <see cref="StoreRow"/>
    /// (acc [rows, ≥ cols], row stride accStride).</summary>
    private static void Epilogue(float* acc, int accStride, float* c, long ldc, int rows, int cols, float beta, float* bias)
    {
        for (int r = 0; r < rows; r++, c += ldc)
        {
            for (int j = 0; j < cols; j++)
            {
                float v = acc[r * accStride + j];
                if (beta != 0f) v = MathF.FusedMultiplyAdd(c[j], beta, v);
                if (bias != null) v += bias[j];
                c[j] = v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(Vector256<float> lo, Vector256<float> hi, float* c, float beta, float* bias)
    {
        if (beta != 0f)
        {
            var vb = Vector256.Create(beta);
            lo = Vector256.FusedMultiplyAdd(Vector256.Load(c), vb, lo);
            hi = Vector256.FusedMultiplyAdd(Vector256.Load(c + 8), vb, hi);
        }
        if (bias != null)
        {
            lo += Vector256.Load(bias);
            hi += Vector256.Load(bias + 8);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + 8);
    }

    /// <summary>g [rows, cols] = gelu(c [rows, cols]), both with row stride ld (16 lanes at a time where AVX-512 runs them:
    /// the same bits as 8, in about 60% of the time on Zen 4, which issues half the instructions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GeluTile(float* c, float* g, long ld, int rows, int cols)
    {
        for (int r = 0; r < rows; r++, c += ld, g += ld)
        {
            int j = 0;
            if (Vector512.IsHardwareAccelerated)
                for (; j + 16 <= cols; j += 16) Vector512.Store(GeluMath.Gelu(Vector512.Load(c + j)), g + j);
            for (; j + 8 <= cols; j += 8) Vector256.Store(GeluMath.Gelu(Vector256.Load(c + j)), g + j);
            for (; j < cols; j++) g[j] = GeluMath.Gelu(c[j]);
        }
    }
}
