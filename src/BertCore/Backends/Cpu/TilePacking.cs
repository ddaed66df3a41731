using System.Runtime.CompilerServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Small-matrix products for kernels that tile their own loops (attention): copies of strided blocks into the
/// sliver order of <see cref="GemmKernel"/> (A slivers [ceil(m/MR), kc, MR], B slivers [ceil(n/NR), kc, NR], zero
/// padded; the GEMM's own vectorized <see cref="GemmPacking"/> over the block) and a driver that sweeps the
/// micro-kernel over them. Each output element is one k-ordered sum, so
/// results do not depend on how a caller blocks its loops around these calls.
/// </summary>
internal static unsafe class TilePacking
{
    private const int MR = GemmKernel.MR, NR = GemmKernel.NR;

    public static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>A = src: dst [ceil(rows/MR), k, MR] ← src [rows, k] (row stride ld).</summary>
    public static void RowsAsA(float* src, long ld, int rows, int k, float* dst) =>
        GemmPacking.PackA(GemmProblem.Operands(src, false, ld, null, false, 0, rows, 0, k), 0, rows, 0, k, dst);

    /// <summary>A = srcᵀ: dst [ceil(m/MR), k, MR] ← element (i, j) of A = src[j, i]; src [k, m] (row stride ld).</summary>
    public static void ColumnsAsA(float* src, long ld, int k, int m, float* dst) =>
        GemmPacking.PackA(GemmProblem.Operands(src, true, ld, null, false, 0, m, 0, k), 0, m, 0, k, dst);

    /// <summary>B = src: dst [ceil(n/NR), k, NR] ← src [k, n] (row stride ld).</summary>
    public static void RowsAsB(float* src, long ld, int k, int n, float* dst) =>
        GemmPacking.PackB(GemmProblem.Operands(null, false, 0, src, false, ld, 0, n, k), 0, n, 0, k, dst, 0, Slivers(n));

    /// <summary>B = srcᵀ: dst [ceil(n/NR), k, NR] ← element (i, j) of B = src[j, i]; src [n, k] (row stride ld).</summary>
    public static void ColumnsAsB(float* src, long ld, int n, int k, float* dst) =>
        GemmPacking.PackB(GemmProblem.Operands(null, false, 0, src, true, ld, 0, n, k), 0, n, 0, k, dst, 0, Slivers(n));

    private static int Slivers(int n) => (n + NR - 1) / NR;

    /// <summary>
    /// c [m, n] (row stride ldc) = a·b + beta·c over packed a [ceil(m/MR), kc, MR] and b slivers of kc rows,
    /// sliver s at b + s·bSliverStride. When <paramref name="padded"/>, c has room for whole MR × NR tiles (scratch)
    /// and every tile is written whole; otherwise tiles cut by the edge write only [m, n].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(float* a, float* b, long bSliverStride, int kc, int m, int n, float* c, long ldc, float beta, bool padded)
    {
        for (int j = 0, s = 0; j < n; j += NR, s++)
        {
            int cols = Math.Min(NR, n - j);
            float* bs = b + s * bSliverStride;
            for (int i = 0; i < m; i += MR)
            {
                int rows = Math.Min(MR, m - i);
                float* at = c + i * ldc + j;
                if (padded || (rows == MR && cols == NR)) GemmKernel.Tile(kc, a + (long)i * kc, bs, at, ldc, beta, null);
                else GemmKernel.EdgeTile(kc, a + (long)i * kc, bs, at, ldc, rows, cols, beta, null);
            }
        }
    }
}
