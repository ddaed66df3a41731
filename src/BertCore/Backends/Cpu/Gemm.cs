using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Cache-blocked GEMM in the BLIS order. op(B) is packed a panel at a time (up to NC columns and
/// <see cref="PanelFloats"/> floats, once, for all threads) unless it comes packed already (a constant weight,
/// <see cref="PackedWeights"/>); then the panel's product is cut into a grid of parts (row blocks × column blocks)
/// that the threads claim one at a time: each packs its MC-row blocks of op(A) (for L2) per KC-deep slice and sweeps
/// NR-wide B slivers (L1) against MR-high A slivers with the 6 × 16 <see cref="GemmKernel"/>.
/// <para>
/// Threads: packing is split by slivers and never repeated, and the parts are several per thread and claimed
/// dynamically, so a thread that is descheduled for a while (two vCPUs on a shared host) delays only its own part.
/// A large op(A) is cut by rows, each row block packing its own rows; a small one (up to <see cref="SmallM"/> rows:
/// one sequence in inference, the masked rows of an MLM batch) is packed whole with the B panel, and its parts cut
/// only columns. A batch of matrices is spread whole over the threads.
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

    /// <summary>Floats in one packed panel of B, or of a whole small A, at most (16 MiB): K is cut into panels of whole
    /// KC slices to stay below.</summary>
    public const long PanelFloats = 1 << 22;

    /// <summary>Multiply-adds below which a GEMM stays on one thread: ~2 MFLOP, tens of microseconds.</summary>
    public const long ParallelWork = 1L << 20;

    /// <summary>Parts per thread a parallel GEMM aims at: several, so that a slow thread is balanced by the others.</summary>
    public const int PartsPerThread = 4;

    /// <summary>Smallest row block of a part (whole MR slivers): fewer rows would re-read the B panel too often.</summary>
    public const int MinPartRows = 8 * GemmKernel.MR;

    /// <summary>Smallest column block of a part (whole NR slivers): fewer columns would repack op(A) too often.</summary>
    public const int MinPartColumns = 4 * GemmKernel.NR;

    /// <summary>Rows up to which a threaded GEMM packs op(A) whole, once, for all parts (one sequence in inference,
    /// the masked rows of an MLM batch): its k slices stay in L2 and the parts then cut only columns.</summary>
    public const int SmallM = 2 * MC;

    /// <summary>
    /// Runs batch problems: the i-th is p with A advanced by i·aStride, B by i·bStride (0 when B is shared) and
    /// C, GeluOut by i·M·N. Large batches spread whole matrices over the pool's threads; otherwise each large
    /// matrix is cut into parts. <paramref name="packedB"/>: op(B) packed before (only for a shared B).
    /// <paramref name="wide"/>: whole tiles two B slivers at a time with 512-bit vectors (<see cref="GemmKernel.WideTile"/>),
    /// where they pay (<see cref="FmaBursts.WideVectorsPay"/>); the same bits either way.
    /// </summary>
    public static void RunBatched(WorkerPool pool, GemmProblem p, int batch, long aStride, long bStride, PackedWeights.Packed? packedB, bool wide)
    {
        if (batch == 0 || p.M == 0 || p.N == 0) return;
        if (packedB != null && bStride != 0) throw new ArgumentException("a packed B must be shared by the batch", nameof(packedB));
        long work = (long)p.M * p.N * Math.Max(p.K, 1);
        if (pool.Threads > 1 && batch >= 2 * pool.Threads && work * batch >= ParallelWork)
        {
            var matrices = new Matrices(p, aStride, bStride, packedB, wide);
            pool.ForEach(batch, ref matrices);
            return;
        }
        for (int i = 0; i < batch; i++)
            Run(pool.Threads > 1 && work >= ParallelWork ? pool : null, p.Advance(i, aStride, bStride), packedB, wide);
    }

    /// <summary>Whole matrices [start, end) of a batch, each on one thread.</summary>
    private readonly struct Matrices(GemmProblem p, long aStride, long bStride, PackedWeights.Packed? packedB, bool wide) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++) Gemm.Run(null, p.Advance(i, aStride, bStride), packedB, wide);
        }
    }

    /// <summary>One problem, panel by panel: on the pool's threads, or on the calling thread alone when pool is null.</summary>
    private static void Run(WorkerPool? pool, GemmProblem p, PackedWeights.Packed? packedB, bool wide)
    {
        int kBlocks = Math.Max(1, CeilDiv(p.K, KC));   // K = 0 still runs one empty slice: c = bias + beta·c
        var scratch = GemmScratch.ForThisThread();
        int panelColumns = packedB != null ? p.N : Math.Min(NC, p.N);
        bool wholeA = pool != null && p.M <= SmallM;
        int aSlivers = CeilDiv(p.M, GemmKernel.MR);
        for (int jc = 0; jc < p.N; jc += panelColumns)
        {
            int nc = Math.Min(panelColumns, p.N - jc), bSlivers = CeilDiv(nc, GemmKernel.NR);
            // K slices per panel: as many as fit PanelFloats, for the packed B panel and for a whole op(A).
            long sliceFloats = Math.Max(packedB != null ? 0 : (long)bSlivers * GemmKernel.NR * KC, wholeA ? (long)aSlivers * GemmKernel.MR * KC : 0);
            int panelSlices = sliceFloats == 0 ? kBlocks : (int)Math.Clamp(PanelFloats / sliceFloats, 1, kBlocks);
            for (int kb0 = 0; kb0 < kBlocks; kb0 += panelSlices)
            {
                int kb1 = Math.Min(kBlocks, kb0 + panelSlices);
                int pc = kb0 * KC, depth = Math.Min(p.K, kb1 * KC) - pc;
                var b = packedB?.Panel
                    ?? new PackedPanel(scratch.PanelB((long)bSlivers * GemmKernel.NR * depth), (long)depth * GemmKernel.NR, GemmKernel.NR, jc, pc);
                var a = wholeA
                    ? new PackedPanel(scratch.PanelA((long)aSlivers * GemmKernel.MR * depth), (long)depth * GemmKernel.MR, GemmKernel.MR, 0, pc)
                    : default;
                var pack = new PackPanels(p, wholeA ? a.Data : null, aSlivers, packedB == null ? b.Data : null, bSlivers, jc, nc, pc, depth);
                if (pool == null) pack.Run(0, pack.Count);
                else pool.For(pack.Count, (long)depth * GemmKernel.NR, ref pack);
                var grid = PartGrid.For(pool, p.M, jc, nc, wholeA);
                var parts = new Parts(p, wholeA, a, b, grid, kb0, kb1, kBlocks, wide);
                if (pool == null) parts.Run(0, grid.Count);
                else pool.ForEach(grid.Count, ref parts);
            }
        }
        GC.KeepAlive(packedB);   // its finalizer frees the panel the parts read
    }

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    /// <summary>64-byte cache lines in a packed B sliver of kc rows.</summary>
    private static int SliverLines(int kc) => CeilDiv(kc * GemmKernel.NR * sizeof(float), 64);

    /// <summary>Asks for cache lines [from, to) of the block at p (into L1 and L2; nothing on machines without SSE).</summary>
    private static void Prefetch(float* p, int from, int to)
    {
        if (!Sse.IsSupported) return;
        for (int line = from; line < to; line++) Sse.Prefetch0((byte*)p + line * 64L);
    }

    /// <summary>
    /// The packing of one panel, by slivers: items [0, aSlivers) pack all M rows of op(A)[·, pc .. pc+depth] into
    /// aDst [aSlivers, depth, MR] (when aDst is set: a small A shared by the parts), the next bSlivers items pack
    /// op(B)[pc .. pc+depth, jc .. jc+nc] into bDst [bSlivers, depth, NR] (when bDst is set: B not packed before).
    /// </summary>
    private readonly struct PackPanels(GemmProblem p, float* aDst, int aSlivers, float* bDst, int bSlivers, int jc, int nc, int pc, int depth) : IRangeJob
    {
        private int ASlivers => aDst == null ? 0 : aSlivers;

        public int Count => ASlivers + (bDst == null ? 0 : bSlivers);

        public void Run(int start, int end)
        {
            for (int s = start; s < Math.Min(end, ASlivers); s++)
                GemmPacking.PackA(p, s * GemmKernel.MR, Math.Min(GemmKernel.MR, p.M - s * GemmKernel.MR), pc, depth, aDst + (long)s * GemmKernel.MR * depth);
            if (end > ASlivers) GemmPacking.PackB(p, jc, nc, pc, depth, bDst, Math.Max(0, start - ASlivers), end - ASlivers);
        }
    }

    /// <summary>
    /// How one panel's product (all M rows, columns [jc, jc+nc)) is cut: Rows row blocks × Columns column blocks,
    /// each boundary on a whole sliver. One part on a single thread. Rows are cut first (each row block packs its
    /// op(A) rows once) unless op(A) is small and packed whole, when only columns are cut (a row cut would re-read B).
    /// </summary>
    private readonly record struct PartGrid(int M, int Jc, int Nc, int Rows, int Columns)
    {
        public int Count => Rows * Columns;

        public static PartGrid For(WorkerPool? pool, int m, int jc, int nc, bool wholeA)
        {
            if (pool == null) return new PartGrid(m, jc, nc, 1, 1);
            int target = pool.Threads * PartsPerThread;
            int rows = wholeA ? 1 : Math.Clamp(m / MinPartRows, 1, target);
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
    /// i / Columns, column block i % Columns. With wholeA, op(A) is the packed panel a; otherwise each part packs
    /// its MC-row blocks of op(A) per k slice into its thread's scratch.</summary>
    private readonly struct Parts(GemmProblem p, bool wholeA, PackedPanel a, PackedPanel b, PartGrid grid, int kb0, int kb1, int kBlocks, bool wide) : IRangeJob
    {
        public void Run(int start, int end)
        {
            var scratch = GemmScratch.ForThisThread();
            for (int part = start; part < end; part++)
            {
                var (i0, i1) = grid.RowRange(part / grid.Columns);
                var (j0, j1) = grid.ColumnRange(part % grid.Columns);
                int block = wholeA ? i1 - i0 : MC;   // a whole op(A) is swept in one go
                for (int ic = i0; ic < i1; ic += block)
                {
                    int rows = Math.Min(block, i1 - ic);
                    for (int kb = kb0; kb < kb1; kb++)
                    {
                        int pc = kb * KC, kc = Math.Max(0, Math.Min(KC, p.K - pc));
                        var aBlock = a;
                        if (!wholeA)
                        {
                            GemmPacking.PackA(p, ic, rows, pc, kc, scratch.A);
                            aBlock = new PackedPanel(scratch.A, (long)kc * GemmKernel.MR, GemmKernel.MR, ic, pc);
                        }
                        Sweep(p, aBlock, b, ic, ic + rows, j0, j1, pc, kc, first: kb == 0, last: kb == kBlocks - 1, wide);
                    }
                }
            }
        }
    }

    /// <summary>
    /// Rows [i0, i1) × columns [j0, j1) of C for the k slice [pc, pc + kc): the B slivers (L1) against the A slivers
    /// (L2), tile by tile; when <paramref name="wide"/>, two B slivers at a time (<see cref="GemmKernel.WideTile"/>)
    /// and the rest one by one. A partial last A sliver (M = 128 leaves 2 rows) goes through <see cref="EdgeRows"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sweep(in GemmProblem p, in PackedPanel a, in PackedPanel b, int i0, int i1, int j0, int j1, int pc, int kc, bool first, bool last, bool wide)
    {
        const int NR = GemmKernel.NR, MR = GemmKernel.MR;
        float beta = first ? p.Beta : 1f;
        int fullEnd = i0 + (i1 - i0) / MR * MR, edgeRows = i1 - fullEnd;
        // The next B slivers are fetched a few cache lines per tile while these are in use: a weight streaming from
        // memory would otherwise stall the first tile of every sliver (6% at 128 × 768 × 3072 with rotating weights,
        // 2% at 2048³).
        int lines = SliverLines(kc), linesPerTile = CeilDiv(lines, Math.Max(1, (fullEnd - i0) / MR));
        int jr = j0;
        if (wide)
            for (; jr + 2 * NR <= j1; jr += 2 * NR)
            {
                float* b0 = b.Sliver(jr, pc), b1 = b.Sliver(jr + NR, pc);
                float* bias = first && p.Bias != null ? p.Bias + jr : null;
                float* next0 = jr + 2 * NR < j1 ? b.Sliver(jr + 2 * NR, pc) : null;   // null too when K = 0 leaves no panel
                float* next1 = jr + 3 * NR < j1 ? b.Sliver(jr + 3 * NR, pc) : null;
                for (int ir = i0, tile = 0; ir < fullEnd; ir += MR, tile++)
                {
                    int from = tile * linesPerTile, to = Math.Min(lines, from + linesPerTile);
                    if (next0 != null) Prefetch(next0, from, to);
                    if (next1 != null) Prefetch(next1, from, to);
                    long c = p.COffset(ir, jr);
                    GemmKernel.WideTile(kc, a.Sliver(ir, pc), b0, b1, p.C + c, p.Ldc, beta, bias);
                    if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + c, p.GeluOut + c, p.Ldc, MR, 2 * NR);
                }
                if (edgeRows > 0) EdgeRows(p, a.Sliver(fullEnd, pc), b0, b1, fullEnd, jr, edgeRows, 2 * NR, kc, beta, bias, last);
            }
        for (int start = jr; jr < j1; jr += NR)
        {
            int cols = Math.Min(NR, j1 - jr);
            float* bs = b.Sliver(jr, pc);
            float* bias = first && p.Bias != null ? p.Bias + jr : null;
            bool hasNext = jr + NR < j1;
            float* nextB = hasNext ? b.Sliver(jr + NR, pc) : null;   // null too when K = 0 leaves no panel
            for (int ir = i0, tile = 0; ir < fullEnd; ir += MR, tile++)
            {
                if (nextB != null) Prefetch(nextB, tile * linesPerTile, Math.Min(lines, (tile + 1) * linesPerTile));
                float* at = a.Sliver(ir, pc);
                long c = p.COffset(ir, jr);
                if (cols == NR) GemmKernel.Tile(kc, at, bs, p.C + c, p.Ldc, beta, bias);
                else GemmKernel.EdgeTile(kc, at, bs, p.C + c, p.Ldc, MR, cols, beta, bias);
                if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + c, p.GeluOut + c, p.Ldc, MR, cols);
            }
            if (edgeRows == 0) continue;
            // Rows EdgePair takes go two slivers at a time: the second of a pair was done with the first.
            bool pairs = edgeRows <= GemmKernel.PairRows;
            if (pairs && (jr - start) / NR % 2 == 1) continue;
            int edgeCols = pairs && hasNext ? Math.Min(2 * NR, j1 - jr) : cols;   // past NR: the next sliver's columns too
            EdgeRows(p, a.Sliver(fullEnd, pc), bs, nextB, fullEnd, jr, edgeRows, edgeCols, kc, beta, bias, last);
        }
    }

    /// <summary>
    /// The partial last A sliver a (rows [i, i + rows), rows &lt; MR) against B sliver b0 at column j and, when cols
    /// exceeds NR, the next sliver b1 too (cols ≤ 2·NR): two slivers at once for up to
    /// <see cref="GemmKernel.PairRows"/> rows (<see cref="GemmKernel.EdgePair"/>: half a tile's work per sliver where
    /// <see cref="GemmKernel.EdgeTile"/> spends a whole one), else one by one; then the GELU epilogue on the last slice.
    /// </summary>
    private static void EdgeRows(in GemmProblem p, float* a, float* b0, float* b1, int i, int j, int rows, int cols, int kc, float beta, float* bias, bool last)
    {
        const int NR = GemmKernel.NR;
        long c = p.COffset(i, j);
        if (cols > NR && rows <= GemmKernel.PairRows) GemmKernel.EdgePair(kc, a, b0, b1, p.C + c, p.Ldc, rows, cols, beta, bias);
        else
        {
            GemmKernel.EdgeTile(kc, a, b0, p.C + c, p.Ldc, rows, Math.Min(cols, NR), beta, bias);
            if (cols > NR) GemmKernel.EdgeTile(kc, a, b1, p.C + c + NR, p.Ldc, rows, cols - NR, beta, bias == null ? null : bias + NR);
        }
        if (last && p.GeluOut != null) GemmKernel.GeluTile(p.C + c, p.GeluOut + c, p.Ldc, rows, cols);
    }
}
