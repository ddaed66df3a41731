using System.Runtime.CompilerServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Cache-blocked GEMM in the BLIS order: for each NC-column panel and each KC-deep slice of k, pack the op(B) panel
/// (KC × NC, for L3), then for each MC-row block pack op(A) (MC × KC, for L2) and sweep NR-wide B slivers (L1)
/// against MR-high A slivers with the 6 × 16 <see cref="GemmKernel"/>.
/// <para>
/// Threads: a large problem is cut into independent parts, whole row slabs or whole column slabs of C, one loop
/// of the <see cref="WorkerPool"/> for the whole product; each thread packs its own operands in its own scratch,
/// so the threads never wait for each other inside a GEMM. The cut goes across the larger of M and N: cutting
/// rows repacks B in every part, cutting columns repacks A, so the smaller operand is the one packed twice.
/// A batch of matrices is spread whole over the threads.
/// </para>
/// The first k slice writes c = acc + bias + beta·c, later slices add to c, the last one applies GELU: each
/// element is Σ over k slices in a fixed order, so results are bitwise the same for any number of threads and any
/// cut.
/// </summary>
internal static unsafe class Gemm
{
    public const int KC = 256;
    public const int MC = 168;
    public const int NC = 4080;

    /// <summary>Multiply-adds below which a GEMM stays on one thread: ~2 MFLOP, tens of microseconds.</summary>
    public const long ParallelWork = 1L << 20;

    /// <summary>Parts per thread when a GEMM is cut (more parts balance uneven cores, at the price of more packing).</summary>
    public const int PartsPerThread = 1;

    /// <summary>
    /// Runs batch problems: the i-th is p with A advanced by i·aStride, B by i·bStride (0 when B is shared) and
    /// C, GeluOut by i·M·N. Large batches spread whole matrices over the pool's threads; otherwise each large
    /// matrix is cut into parts.
    /// </summary>
    public static void RunBatched(WorkerPool pool, GemmProblem p, int batch, long aStride, long bStride)
    {
        if (batch == 0 || p.M == 0 || p.N == 0) return;
        long work = (long)p.M * p.N * Math.Max(p.K, 1);
        if (pool.Threads > 1 && batch >= 2 * pool.Threads && work * batch >= ParallelWork)
        {
            var matrices = new Matrices(p, aStride, bStride);
            pool.ForEach(batch, ref matrices);
            return;
        }
        for (int i = 0; i < batch; i++)
        {
            var one = p.Advance(i, aStride, bStride);
            if (pool.Threads > 1 && work >= ParallelWork) RunInParts(pool, one);
            else Run(one);
        }
    }

    /// <summary>One problem cut into row or column slabs (multiples of the micro-tile) run as one pool loop.</summary>
    private static void RunInParts(WorkerPool pool, GemmProblem p)
    {
        bool byColumns = p.N > p.M;
        int extent = byColumns ? p.N : p.M, unit = byColumns ? GemmKernel.NR : GemmKernel.MR;
        int units = CeilDiv(extent, unit);
        int parts = Math.Min(units, pool.Threads * PartsPerThread);
        var job = new Parts(p, byColumns, units, unit, parts);
        pool.ForEach(parts, ref job);
    }

    /// <summary>Whole matrices [start, end) of a batch, each on one thread.</summary>
    private readonly struct Matrices(GemmProblem p, long aStride, long bStride) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Gemm.Run(p.Advance(i, aStride, bStride));
        }
    }

    /// <summary>Parts [start, end) of a problem cut into <paramref name="parts"/> slabs of whole units (MR rows or
    /// NR columns), the units shared out as evenly as possible.</summary>
    private readonly struct Parts(GemmProblem p, bool byColumns, int units, int unit, int parts) : IRangeJob
    {
        public void Run(int start, int end)
        {
            int extent = byColumns ? p.N : p.M;
            for (int part = start; part < end; part++)
            {
                int from = (int)((long)units * part / parts) * unit, to = Math.Min(extent, (int)((long)units * (part + 1) / parts) * unit);
                if (from < to) Gemm.Run(byColumns ? p.Columns(from, to - from) : p.Rows(from, to - from));
            }
        }
    }

    /// <summary>One problem on the calling thread, in its own packing scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(GemmProblem p)
    {
        int kBlocks = Math.Max(1, CeilDiv(p.K, KC));   // K = 0 still runs one empty slice: c = bias + beta·c
        var scratch = GemmScratch.ForThisThread();
        for (int jc = 0; jc < p.N; jc += NC)
        {
            int nc = Math.Min(NC, p.N - jc);
            for (int kb = 0; kb < kBlocks; kb++)
            {
                int pc = kb * KC, kc = Math.Min(KC, p.K - pc);
                GemmPacking.PackB(p, jc, nc, pc, kc, scratch.B, 0, CeilDiv(nc, GemmKernel.NR));
                for (int ic = 0; ic < p.M; ic += MC)
                    RowBlock(p, scratch, jc, nc, pc, kc, ic, Math.Min(MC, p.M - ic), first: kb == 0, last: kb == kBlocks - 1);
            }
        }
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    /// <summary>Rows [ic, ic + rows) of one (NC panel, KC slice) step over the packed panel B̃ [ceil(nc/NR), kc, NR]
    /// in scratch.B: pack op(A) into scratch.A, then sweep tiles.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock(in GemmProblem p, GemmScratch scratch, int jc, int nc, int pc, int kc, int ic, int rowsInBlock, bool first, bool last)
    {
        float* packedA = scratch.A, packedB = scratch.B;
        GemmPacking.PackA(p, ic, rowsInBlock, pc, kc, packedA);
        float beta = first ? p.Beta : 1f;
        for (int jr = 0; jr < nc; jr += GemmKernel.NR)
        {
            int cols = Math.Min(GemmKernel.NR, nc - jr);
            float* b = packedB + (long)jr * kc;
            float* bias = first && p.Bias != null ? p.Bias + jc + jr : null;
            for (int ir = 0; ir < rowsInBlock; ir += GemmKernel.MR)
            {
                int rows = Math.Min(GemmKernel.MR, rowsInBlock - ir);
                float* a = packedA + (long)ir * kc;
                long at = p.COffset(ic + ir, jc + jr);
                if (rows == GemmKernel.MR && cols == GemmKernel.NR) GemmKernel.Tile(kc, a, b, p.C + at, p.Ldc, beta, bias);
                else GemmKernel.EdgeTile(kc, a, b, p.C + at, p.Ldc, rows, cols, beta, bias);
                if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + at, p.GeluOut + at, p.Ldc, rows, cols);
            }
        }
    }
}
