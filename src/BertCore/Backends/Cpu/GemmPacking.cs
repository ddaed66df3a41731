using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous order the micro-kernel reads: slivers of MR rows of op(A)
/// (each kc × MR, k-major) and slivers of NR columns of op(B) (each kc × NR, k-major). The kernel always computes a
/// full MR × NR tile and the caller keeps the part inside the matrix; rows or columns past the edge are packed as
/// zeros so that stale scratch (perhaps denormals, which are slow) never enters the discarded lanes.
/// Where the source runs along k (A [M, K], B [N, K]), 8 × 8 blocks are transposed in registers with AVX.
/// Packing only moves values, so it never changes a result.
/// </summary>
internal static unsafe class GemmPacking
{
    private const int MR = GemmKernel.MR, NR = GemmKernel.NR;

    /// <summary>dst [ceil(mc/MR), kc, MR] ← op(A)[ic .. ic+mc, pc .. pc+kc]. Nothing past dst's end is written, so
    /// threads may pack neighbouring slivers of one buffer at once.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(in GemmProblem p, int ic, int mc, int pc, int kc, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += MR, dst += MR * kc)
        {
            int rows = Math.Min(MR, mc - i0);
            if (rows < MR) ZeroPadding(dst, kc, MR, rows);
            if (p.TransA)
            {
                // A is [K, M]: the MR values of one k are adjacent. When 8 values exist there, copy them as one
                // vector: the 2 extra lanes land in the next k's slots, overwritten next (the last k is copied
                // value by value, so nothing lands past the sliver).
                bool wide = ic + i0 + 8 <= p.M;
                for (int k = 0; k < kc; k++)
                {
                    float* src = p.AAt(ic + i0, pc + k);
                    if (wide && k + 1 < kc) Vector256.Store(Vector256.Load(src), dst + k * MR);
                    else for (int r = 0; r < rows; r++) dst[k * MR + r] = src[r];
                }
            }
            else
            {
                // A is [M, K]: read each row along k, 8 k at a time through a register transpose.
                int k = 0;
                if (rows == MR && Avx.IsSupported)
                {
                    float* r0 = p.AAt(ic + i0, pc);
                    long ld = p.Lda;
                    var zero = Vector256<float>.Zero;
                    // Each store of 8 also writes 2 lanes into the next k's slots, overwritten by the next store; the
                    // block that would end the sliver is left to the scalar loop, so nothing lands past the sliver.
                    for (; k + 8 < kc; k += 8)
                    {
                        Transpose8x8(
                            Vector256.Load(r0 + k), Vector256.Load(r0 + ld + k), Vector256.Load(r0 + 2 * ld + k),
                            Vector256.Load(r0 + 3 * ld + k), Vector256.Load(r0 + 4 * ld + k), Vector256.Load(r0 + 5 * ld + k), zero, zero,
                            out var c0, out var c1, out var c2, out var c3, out var c4, out var c5, out var c6, out var c7);
                        float* d = dst + k * MR;
                        Vector256.Store(c0, d);
                        Vector256.Store(c1, d + MR);
                        Vector256.Store(c2, d + 2 * MR);
                        Vector256.Store(c3, d + 3 * MR);
                        Vector256.Store(c4, d + 4 * MR);
                        Vector256.Store(c5, d + 5 * MR);
                        Vector256.Store(c6, d + 6 * MR);
                        Vector256.Store(c7, d + 7 * MR);
                    }
                }
                for (int r = 0; r < rows; r++)
                {
                    float* src = p.AAt(ic + i0 + r, pc);
                    for (int kk = k; kk < kc; kk++) dst[kk * MR + r] = src[kk];
                }
            }
        }
    }

    /// <summary>Slivers [first, last) of dst [ceil(nc/NR), kc, NR] ← op(B)[pc .. pc+kc, jc .. jc+nc].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(in GemmProblem p, int jc, int nc, int pc, int kc, float* dst, int first, int last)
    {
        dst += (long)first * NR * kc;
        for (int j0 = first * NR; j0 < Math.Min(nc, last * NR); j0 += NR, dst += NR * kc)
        {
            int cols = Math.Min(NR, nc - j0);
            if (cols < NR) ZeroPadding(dst, kc, NR, cols);
            if (p.TransB)
            {
                // B is [N, K]: read each column of op(B) along k, 8 × 8 blocks through a register transpose.
                int k = 0;
                if (cols == NR && Avx.IsSupported)
                {
                    float* c0 = p.BAt(pc, jc + j0);
                    long ld = p.Ldb;
                    for (; k + 8 <= kc; k += 8)
                        for (int half = 0; half < NR; half += 8)
                        {
                            float* s = c0 + half * ld + k;
                            Transpose8x8(
                                Vector256.Load(s), Vector256.Load(s + ld), Vector256.Load(s + 2 * ld), Vector256.Load(s + 3 * ld),
                                Vector256.Load(s + 4 * ld), Vector256.Load(s + 5 * ld), Vector256.Load(s + 6 * ld), Vector256.Load(s + 7 * ld),
                                out var t0, out var t1, out var t2, out var t3, out var t4, out var t5, out var t6, out var t7);
                            float* d = dst + k * NR + half;
                            Vector256.Store(t0, d);
                            Vector256.Store(t1, d + NR);
                            Vector256.Store(t2, d + 2 * NR);
                            Vector256.Store(t3, d + 3 * NR);
                            Vector256.Store(t4, d + 4 * NR);
                            Vector256.Store(t5, d + 5 * NR);
                            Vector256.Store(t6, d + 6 * NR);
                            Vector256.Store(t7, d + 7 * NR);
                        }
                }
                for (int c = 0; c < cols; c++)
                {
                    float* src = p.BAt(pc, jc + j0 + c);
                    for (int kk = k; kk < kc; kk++) dst[kk * NR + c] = src[kk];
                }
            }
            else if (cols == NR)
            {
                // B is [K, N]: the NR values of one k are adjacent.
                for (int k = 0; k < kc; k++)
                {
                    float* src = p.BAt(pc + k, jc + j0);
                    Vector256.Store(Vector256.Load(src), dst + k * NR);
                    Vector256.Store(Vector256.Load(src + 8), dst + k * NR + 8);
                }
            }
            else
            {
                for (int k = 0; k < kc; k++)
                {
                    float* src = p.BAt(pc + k, jc + j0);
                    for (int c = 0; c < cols; c++) dst[k * NR + c] = src[c];
                }
            }
        }
    }

    /// <summary>dst [k, width]: lanes [used, width) of every row set to zero (the padding of a sliver cut by the
    /// matrix's edge; the other lanes are the caller's to fill). Cheaper than clearing the whole sliver first: the
    /// slivers are small and many.</summary>
    public static void ZeroPadding(float* dst, int k, int width, int used)
    {
        for (int i = 0; i < k; i++, dst += width)
            for (int lane = used; lane < width; lane++) dst[lane] = 0f;
    }

    /// <summary>Columns of the 8 × 8 block whose rows are r0 .. r7: c_t = (r0[t], r1[t], ..., r7[t]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(
        Vector256<float> r0, Vector256<float> r1, Vector256<float> r2, Vector256<float> r3,
        Vector256<float> r4, Vector256<float> r5, Vector256<float> r6, Vector256<float> r7,
        out Vector256<float> c0, out Vector256<float> c1, out Vector256<float> c2, out Vector256<float> c3,
        out Vector256<float> c4, out Vector256<float> c5, out Vector256<float> c6, out Vector256<float> c7)
    {
        var t0 = Avx.UnpackLow(r0, r1);
        var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3);
        var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5);
        var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7);
        var t7 = Avx.UnpackHigh(r6, r7);
        var s0 = Avx.Shuffle(t0, t2, 0x44);
        var s1 = Avx.Shuffle(t0, t2, 0xEE);
        var s2 = Avx.Shuffle(t1, t3, 0x44);
        var s3 = Avx.Shuffle(t1, t3, 0xEE);
        var s4 = Avx.Shuffle(t4, t6, 0x44);
        var s5 = Avx.Shuffle(t4, t6, 0xEE);
        var s6 = Avx.Shuffle(t5, t7, 0x44);
        var s7 = Avx.Shuffle(t5, t7, 0xEE);
        c0 = Avx.Permute2x128(s0, s4, 0x20);
        c1 = Avx.Permute2x128(s1, s5, 0x20);
        c2 = Avx.Permute2x128(s2, s6, 0x20);
        c3 = Avx.Permute2x128(s3, s7, 0x20);
        c4 = Avx.Permute2x128(s0, s4, 0x31);
        c5 = Avx.Permute2x128(s1, s5, 0x31);
        c6 = Avx.Permute2x128(s2, s6, 0x31);
        c7 = Avx.Permute2x128(s3, s7, 0x31);
    }
}
