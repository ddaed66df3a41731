using System.Runtime.CompilerServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Cache-blocked GEMM in the BLIS order: for each NC-column panel and each KC-deep slice of k, pack the op(B) panel
/// (KC × NC, shared by all threads, sized for L3), then for each MC-row block pack op(A) (MC × KC, per thread, for
/// L2) and sweep NR-wide B slivers (L1) against MR-high A slivers with the 6 × 16 <see cref="GemmKernel"/>.
/// Threads (a <see cref="WorkerPool"/>) share the packing of B̃ by slivers, then take whole row blocks, or whole
/// matrices of a batch. The first k slice writes c = acc + bias + beta·c, later slices add to c, the last one
/// applies GELU: each element is Σ over k slices in a fixed order, so results are bitwise the same for any number
/// of threads and any row-block size.
/// </summary>
internal static unsafe class Gemm
{
    public const int KC = 256;
    public const int MC = 168;
    public const int NC = 4080;

    /// <summary>Multiply-adds below which a GEMM stays on one thread: ~2 MFLOP, tens of microseconds.</summary>
    public const long ParallelWork = 1L << 20;

    /// <summary>
    /// Runs batch problems: the i-th is p with A advanced by i·aStride, B by i·bStride (0 when B is shared) and
    /// C, GeluOut by i·M·N. Large batches spread whole matrices over the pool's threads; otherwise each large
    /// matrix spreads its row blocks.
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
        var inner = work >= ParallelWork ? pool : null;
        for (int i = 0; i < batch; i++) Run(p.Advance(i, aStride, bStride), inner);
    }

    /// <summary>One problem, its B packing and row blocks spread over the threads of <paramref name="pool"/>
    /// (on the calling thread alone when null).</summary>
    private static void Run(GemmProblem p, WorkerPool? pool)
    {
        int threads = pool?.Threads ?? 1;
        int mc = RowBlockSize(p.M, threads);
        int mBlocks = CeilDiv(p.M, mc);
        int kBlocks = Math.Max(1, CeilDiv(p.K, KC));   // K = 0 still runs one empty slice: c = bias + beta·c
        float* packedB = GemmScratch.ForThisThread().B;
        for (int jc = 0; jc < p.N; jc += NC)
        {
            int nc = Math.Min(NC, p.N - jc);
            for (int kb = 0; kb < kBlocks; kb++)
            {
                int pc = kb * KC, kc = Math.Min(KC, p.K - pc);
                var pack = new PackBJob(p, jc, nc, pc, kc, packedB);
                int slivers = CeilDiv(nc, GemmKernel.NR);
                if (pool != null) pool.For(slivers, (long)kc * GemmKernel.NR, ref pack);
                else pack.Run(0, slivers);
                var step = new Step(p, packedB, jc, nc, pc, kc, mc, first: kb == 0, last: kb == kBlocks - 1);
                if (pool != null && mBlocks > 1) pool.ForEach(mBlocks, ref step);
                else step.Run(0, mBlocks);
            }
        }
    }

    /// <summary>Whole matrices [start, end) of a batch, each on one thread.</summary>
    private readonly struct Matrices(GemmProblem p, long aStride, long bStride) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Gemm.Run(p.Advance(i, aStride, bStride), pool: null);
        }
    }

    /// <summary>NR-wide slivers [start, end) of the packed op(B) panel.</summary>
    private readonly struct PackBJob(GemmProblem p, int jc, int nc, int pc, int kc, float* packedB) : IRangeJob
    {
        public void Run(int start, int end) => GemmPacking.PackB(p, jc, nc, pc, kc, packedB, start, end);
    }

    /// <summary>At most MC rows, a multiple of MR, with a block count that is a multiple of the thread count
    /// (so that threads get equal shares).</summary>
    private static int RowBlockSize(int m, int threads)
    {
        int blocks = CeilDiv(m, MC);
        if (threads > 1) blocks = CeilDiv(blocks, threads) * threads;
        return CeilDiv(CeilDiv(m, blocks), GemmKernel.MR) * GemmKernel.MR;
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    /// <summary>One (NC panel, KC slice) step of <see cref="Run"/> over the packed panel B̃ [ceil(nc/NR), kc, NR].</summary>
    private readonly struct Step(GemmProblem p, float* packedB, int jc, int nc, int pc, int kc, int mc, bool first, bool last) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int ib = start; ib < end; ib++) RowBlock(ib);
        }

        /// <summary>Rows [ib·mc, ib·mc + mc) of this step's columns: pack op(A) into this thread's scratch, then sweep tiles.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RowBlock(int ib)
        {
            int ic = ib * mc, rowsInBlock = Math.Min(mc, p.M - ic);
            float* packedA = GemmScratch.ForThisThread().A;
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
                    if (rows == GemmKernel.MR && cols == GemmKernel.NR) GemmKernel.Tile(kc, a, b, p.C + at, p.N, beta, bias);
                    else GemmKernel.EdgeTile(kc, a, b, p.C + at, p.N, rows, cols, beta, bias);
                    if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + at, p.GeluOut + at, p.N, rows, cols);
                }
            }
        }
    }
}
