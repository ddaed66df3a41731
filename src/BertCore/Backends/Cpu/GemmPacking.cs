using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous order the micro-kernel reads: slivers of MR rows of op(A)
/// (each kc × MR, k-major) and slivers of NR columns of op(B) (each kc × NR, k-major). The kernel always computes a
/// full MR × NR tile and the caller keeps the part inside the matrix; rows or columns past the edge are packed as
/// zeros so that stale scratch (perhaps denormals, which are slow) never enters the discarded lanes.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>dst [ceil(mc/MR), kc, MR] ← op(A)[ic .. ic+mc, pc .. pc+kc].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(in GemmProblem p, int ic, int mc, int pc, int kc, float* dst)
    {
        const int MR = GemmKernel.MR;
        for (int i0 = 0; i0 < mc; i0 += MR, dst += MR * kc)
        {
            int rows = Math.Min(MR, mc - i0);
            if (rows < MR) new Span<float>(dst, MR * kc).Clear();
            if (p.TransA)
            {
                // A is [K, M]: the MR values of one k are adjacent.
                for (int k = 0; k < kc; k++)
                {
                    float* src = p.AAt(ic + i0, pc + k);
                    for (int r = 0; r < rows; r++) dst[k * MR + r] = src[r];
                }
            }
            else
            {
                // A is [M, K]: read each row along k.
                for (int r = 0; r < rows; r++)
                {
                    float* src = p.AAt(ic + i0 + r, pc);
                    for (int k = 0; k < kc; k++) dst[k * MR + r] = src[k];
                }
            }
        }
    }

    /// <summary>Slivers [first, last) of dst [ceil(nc/NR), kc, NR] ← op(B)[pc .. pc+kc, jc .. jc+nc].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(in GemmProblem p, int jc, int nc, int pc, int kc, float* dst, int first, int last)
    {
        const int NR = GemmKernel.NR;
        dst += (long)first * NR * kc;
        for (int j0 = first * NR; j0 < Math.Min(nc, last * NR); j0 += NR, dst += NR * kc)
        {
            int cols = Math.Min(NR, nc - j0);
            if (cols < NR) new Span<float>(dst, NR * kc).Clear();
            if (p.TransB)
            {
                // B is [N, K]: read each column of op(B) along k.
                for (int c = 0; c < cols; c++)
                {
                    float* src = p.BAt(pc, jc + j0 + c);
                    for (int k = 0; k < kc; k++) dst[k * NR + c] = src[k];
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
}
