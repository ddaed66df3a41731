using System.Runtime.CompilerServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Cache-blocked GEMM in the BLIS order. op(B) is packed a panel at a time (up to NC columns and
/// <see cref="PanelFloats"/> floats, once, for all threads) unless it comes packed already (a constant weight,
/// <see cref="PackedWeights"/>); then the panel's product is cut into a grid of parts (row blocks × column blocks)
/// that the threads claim one at a time: each packs its MC-row blocks of op(A) (for L2) per KC-deep slice and sweeps
/// NR-wide B slivers (L1) against MR-high A slivers with the 6 × 16 <see cref="GemmKernel"/>.
/// <para>
/// Threads: packing B is split by slivers and never repeated, and the parts are several per thread and claimed
/// dynamically, so a thread that is descheduled for a while (two vCPUs on a shared host) delays only its own part.
/// Rows are cut first (each row block packs its own op(A) rows once); a product with few rows (inference on one
/// sequence) is also cut by columns, and each column block then packs its rows of op(A) again (small: few rows).
/// A batch of matrices is spread whole over the threads.
/// </para>
/// The first k slice writes c = acc + bias + beta·c, later slices add to c, the last one applies GELU: each
/// element is Σ over k slices in a fixed order, so results are bitwise the same for any number of threads, any cut
/// and whether B was packed now or before.
/// </summary>
internal static unsafe class Gemm
{
    public const int KC = 256;
    public const int MC = 168;
    public const int NC = 4080;

    /// <summary>Floats in one packed B panel at most (16 MiB): K is cut into panels of whole KC slices to stay below.</summary>
    public const long PanelFloats = 1 << 22;

    /// <summary>Multiply-adds below which a GEMM stays on one thread: ~2 MFLOP, tens of microseconds.</summary>
    public const long ParallelWork = 1L << 20;

    /// <summary>Parts per thread a parallel GEMM aims at: several, so that a slow thread is balanced by the others.</summary>
    public const int PartsPerThread = 4;

    /// <summary>Smallest row block of a part (whole MR slivers): fewer rows would re-read the B panel too often.</summary>
    public const int MinPartRows = 8 * GemmKernel.MR;

    /// <summary>Smallest column block of a part (whole NR slivers): fewer columns would repack op(A) too often.</summary>
    public const int MinPartColumns = 8 * GemmKernel.NR;

    /// <summary>
    /// Runs batch problems: the i-th is p with A advanced by i·aStride, B by i·bStride (0 when B is shared) and
    /// C, GeluOut by i·M·N. Large batches spread whole matrices over the pool's threads; otherwise each large
    /// matrix is cut into parts. <paramref name="packedB"/>: op(B) packed before (only for a shared B).
    /// </summary>
    public static void RunBatched(WorkerPool pool, GemmProblem p, int batch, long aStride, long bStride, PackedWeights.Packed? packedB = null)
    {
        if (batch == 0 || p.M == 0 || p.N == 0) return;
        if (packedB != null && bStride != 0) throw new ArgumentException("a packed B must be shared by the batch", nameof(packedB));
        long work = (long)p.M * p.N * Math.Max(p.K, 1);
        if (pool.Threads > 1 && batch >= 2 * pool.Threads && work * batch >= ParallelWork)
        {
            var matrices = new Matrices(p, aStride, bStride, packedB);
            pool.ForEach(batch, ref matrices);
            return;
        }
        for (int i = 0; i < batch; i++)
            Run(pool.Threads > 1 && work >= ParallelWork ? pool : null, p.Advance(i, aStride, bStride), packedB);
    }

    /// <summary>Whole matrices [start, end) of a batch, each on one thread.</summary>
    private readonly struct Matrices(GemmProblem p, long aStride, long bStride, PackedWeights.Packed? packedB) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Gemm.Run(null, p.Advance(i, aStride, bStride), packedB);
        }
    }

    /// <summary>One problem, panel by panel: on the pool's threads, or on the calling thread alone when pool is null.</summary>
    private static void Run(WorkerPool? pool, GemmProblem p, PackedWeights.Packed? packedB)
    {
        int kBlocks = Math.Max(1, CeilDiv(p.K, KC));   // K = 0 still runs one empty slice: c = bias + beta·c
        var scratch = GemmScratch.ForThisThread();
        int panelColumns = packedB != null ? p.N : Math.Min(NC, p.N);
        for (int jc = 0; jc < p.N; jc += panelColumns)
        {
            int nc = Math.Min(panelColumns, p.N - jc), slivers = CeilDiv(nc, GemmKernel.NR);
            int panelSlices = packedB != null ? kBlocks : (int)Math.Clamp(PanelFloats / ((long)slivers * GemmKernel.NR * KC), 1, kBlocks);
            for (int kb0 = 0; kb0 < kBlocks; kb0 += panelSlices)
            {
                int kb1 = Math.Min(kBlocks, kb0 + panelSlices);
                int pc = kb0 * KC, depth = Math.Min(p.K, kb1 * KC) - pc;
                PackedPanel panel;
                if (packedB != null) panel = packedB.Panel;
                else
                {
                    panel = new PackedPanel(scratch.PanelB((long)slivers * GemmKernel.NR * Math.Max(depth, 0)), (long)depth * GemmKernel.NR, jc, pc);
                    var pack = new PackPanel(p, jc, nc, pc, depth, panel.Data);
                    if (pool == null) pack.Run(0, slivers);
                    else pool.For(slivers, (long)depth * GemmKernel.NR, ref pack);
                }
                var grid = PartGrid.For(pool, p.M, jc, nc);
                var parts = new Parts(p, panel, grid, kb0, kb1, kBlocks);
                if (pool == null) parts.Run(0, grid.Count);
                else pool.ForEach(grid.Count, ref parts);
            }
        }
        GC.KeepAlive(packedB);   // its finalizer frees the panel the parts read
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    /// <summary>Slivers [start, end) of the panel op(B)[pc .. pc+depth, jc .. jc+nc] into dst [slivers, depth, NR].</summary>
    private readonly struct PackPanel(GemmProblem p, int jc, int nc, int pc, int depth, float* dst) : IRangeJob
    {
        public void Run(int start, int end) => GemmPacking.PackB(p, jc, nc, pc, depth, dst, start, end);
    }

    /// <summary>
    /// How one panel's product (all M rows, columns [jc, jc+nc)) is cut: Rows row blocks × Columns column blocks,
    /// each boundary on a whole sliver. One part on a single thread.
    /// </summary>
    private readonly record struct PartGrid(int M, int Jc, int Nc, int Rows, int Columns)
    {
        public int Count => Rows * Columns;

        public static PartGrid For(WorkerPool? pool, int m, int jc, int nc)
        {
            if (pool == null) return new PartGrid(m, jc, nc, 1, 1);
            int target = pool.Threads * PartsPerThread;
            int rows = Math.Clamp(m / MinPartRows, 1, target);
            int columns = Math.Clamp(CeilDiv(target, rows), 1, Math.Max(1, nc / MinPartColumns));
            return new PartGrid(m, jc, nc, rows, columns);
        }

        /// <summary>Rows [from, to) of row block r: whole MR slivers shared out as evenly as possible.</summary>
        public (int From, int To) RowRange(int r) => Cut(M, GemmKernel.MR, Rows, r, 0);

        /// <summary>Columns [from, to) of column block c (absolute, inside [Jc, Jc+Nc)).</summary>
        public (int From, int To) ColumnRange(int c) => Cut(Nc, GemmKernel.NR, Columns, c, Jc);

        private static (int, int) Cut(int extent, int unit, int blocks, int b, int origin)
        {
            int units = CeilDiv(extent, unit);
            int from = (int)((long)units * b / blocks) * unit, to = Math.Min(extent, (int)((long)units * (b + 1) / blocks) * unit);
            return (origin + from, origin + to);
        }
    }

    /// <summary>Parts [start, end) of a panel's product over k slices [kb0, kb1) of kBlocks; part i is row block
    /// i / Columns, column block i % Columns.</summary>
    private readonly struct Parts(GemmProblem p, PackedPanel panel, PartGrid grid, int kb0, int kb1, int kBlocks) : IRangeJob
    {
        public void Run(int start, int end)
        {
            var scratch = GemmScratch.ForThisThread();
            for (int part = start; part < end; part++)
            {
                var (i0, i1) = grid.RowRange(part / grid.Columns);
                var (j0, j1) = grid.ColumnRange(part % grid.Columns);
                for (int ic = i0; ic < i1; ic += MC)
                    for (int kb = kb0; kb < kb1; kb++)
                        RowBlock(p, scratch.A, panel, ic, Math.Min(MC, i1 - ic), j0, j1, kb, first: kb == 0, last: kb == kBlocks - 1);
            }
        }
    }

    /// <summary>Rows [ic, ic + rowsInBlock) × columns [j0, j1) for k slice kb: pack op(A) into packedA, then sweep
    /// the panel's B slivers (L1) against the A slivers (L2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowBlock(in GemmProblem p, float* packedA, in PackedPanel panel, int ic, int rowsInBlock, int j0, int j1, int kb, bool first, bool last)
    {
        int pc = kb * KC, kc = Math.Max(0, Math.Min(KC, p.K - pc));
        GemmPacking.PackA(p, ic, rowsInBlock, pc, kc, packedA);
        float beta = first ? p.Beta : 1f;
        for (int jr = j0; jr < j1; jr += GemmKernel.NR)
        {
            int cols = Math.Min(GemmKernel.NR, j1 - jr);
            float* b = panel.Sliver(jr, pc);
            float* bias = first && p.Bias != null ? p.Bias + jr : null;
            for (int ir = 0; ir < rowsInBlock; ir += GemmKernel.MR)
            {
                int rows = Math.Min(GemmKernel.MR, rowsInBlock - ir);
                float* a = packedA + (long)ir * kc;
                long at = p.COffset(ic + ir, jr);
                if (rows == GemmKernel.MR && cols == GemmKernel.NR) GemmKernel.Tile(kc, a, b, p.C + at, p.Ldc, beta, bias);
                else GemmKernel.EdgeTile(kc, a, b, p.C + at, p.Ldc, rows, cols, beta, bias);
                if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + at, p.GeluOut + at, p.Ldc, rows, cols);
            }
        }
    }
}
