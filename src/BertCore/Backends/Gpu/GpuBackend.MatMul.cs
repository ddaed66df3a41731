using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <summary>How MatMul picks its kernel for a shape.</summary>
    internal GemmTuning GemmTuning { get; private set; } = new();

    /// <summary>Runs <paramref name="body"/> with another <see cref="GemmTuning"/>, then restores the current one.</summary>
    internal T WithGemmTuning<T>(GemmTuning tuning, Func<T> body)
    {
        var saved = GemmTuning;
        GemmTuning = tuning;
        try { return body(); }
        finally { GemmTuning = saved; }
    }

    // a [batch..., M, K] ([..., K, M] if transA); b [batch..., K, N] ([..., N, K] if transB) or a shared [K, N] ([N, K]);
    // c [batch..., M, N]; bias [N] or null; geluOut [batch..., M, N] or null.
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null)
    {
        var s = MatMulShape.Of(a, transA, b, transB, c, bias, geluOut);
        if ((long)s.M * s.N == 0) return;
        int ldA = transA ? s.M : s.K, ldB = transB ? s.K : s.N;
        var p = new GemmParams(s.M, s.N, s.K, transA ? 1 : 0, transB ? 1 : 0, (long)s.M * s.K, s.BroadcastB ? 0 : (long)s.K * s.N,
            (long)s.M * s.N, beta, bias == null ? 0 : 1, geluOut == null ? 0 : 1, LdA: ldA, LdB: ldB);
        long tiles = LargeTiles(s.M, s.N) * s.Batch;
        int splitDepth = s.Batch == 1 ? SplitDepth(tiles, s.K) : 0;
        int splits = Slices(s.K, splitDepth);
        if (tiles * splits < GemmTuning.LargeTileMinimum)
        {
            var grid = new Index3D(Blocks(s.N, MatMulKernels.Tile), Blocks(s.M, MatMulKernels.Tile), s.Batch);
            _kernels.Gemm(new KernelConfig(grid, new Index3D(MatMulKernels.Threads, 1, 1)), F(a), F(b), F(c), Optional(bias), Optional(geluOut), p);
            return;
        }
        var large = new KernelConfig(new Index3D(Blocks(s.N, MatMulLargeTileKernels.Tile), Blocks(s.M, MatMulLargeTileKernels.Tile),
            s.Batch * splits), new Index3D(MatMulLargeTileKernels.Threads, 1, 1));
        if (splits == 1)
        {
            _kernels.LargeGemm(large, F(a), F(b), F(c), Optional(bias), Optional(geluOut), Vectorized(p, a, b));
            return;
        }
        // Group z multiplies the K-slice z·splitDepth .. into partial[z]; SumSplits adds the slices in order.
        var slice = p with { SplitDepth = splitDepth, StrideC = (long)s.M * s.N, Beta = 0f, HasBias = 0, Gelu = 0 };
        var partial = Scratch((long)splits * s.M * s.N);   // [splits, M, N]
        _kernels.LargeGemm(large, F(a), F(b), partial, _placeholder.View, _placeholder.View, Vectorized(slice, a, b));
        _kernels.SumSplits(ItemLaunch(((long)s.M * s.N + 3) / 4), partial, F(c), Optional(bias), Optional(geluOut), p, splits);
    }

    private static int Blocks(int extent, int tile) => (extent + tile - 1) / tile;

    /// <summary>The 128×128 tiles of the large-tile kernel over one m×n product (its groups before any K split).</summary>
    internal static long LargeTiles(int m, int n) => (long)Blocks(m, MatMulLargeTileKernels.Tile) * Blocks(n, MatMulLargeTileKernels.Tile);

    /// <summary>
    /// The K-slice depth of a split-K launch of one product of <paramref name="tiles"/> large tiles, or 0 for none: the fewest
    /// slices (a power of two up to 16) that reach <see cref="GemmTuning.SplitKTargetGroups"/> groups, each at least
    /// <see cref="GemmTuning.SplitKMinimumDepth"/> deep, or <see cref="GemmTuning.ForcedSplits"/> slices where set; rounded up
    /// to whole shared-memory slices. Depends on the shape only, so results are reproducible across devices.
    /// </summary>
    internal int SplitDepth(long tiles, int k)
    {
        if (GemmTuning.ForcedSplits > 0) return GemmTuning.ForcedSplits == 1 ? 0 : SliceDepth(k, GemmTuning.ForcedSplits);
        int depth = 0;
        var (target, minimumDepth) = (GemmTuning.SplitKTargetGroups, GemmTuning.SplitKMinimumDepth);
        for (int splits = 2; splits <= 16 && tiles * (splits / 2) < target && k / splits >= minimumDepth; splits *= 2)
            depth = SliceDepth(k, splits);
        return depth;
    }

    /// <summary>How many K-slices of <paramref name="depth"/> cover <paramref name="k"/> (1 for depth 0: no split).</summary>
    internal static int Slices(int k, int depth) => depth == 0 ? 1 : (k + depth - 1) / depth;

    /// <summary>The depth of each of <paramref name="splits"/> K-slices of <paramref name="k"/>, in whole shared-memory slices.</summary>
    private static int SliceDepth(int k, int splits) =>
        ((k + splits - 1) / splits + MatMulLargeTileKernels.Slice - 1) / MatMulLargeTileKernels.Slice * MatMulLargeTileKernels.Slice;

    /// <summary>Sets VectorA / VectorB where an operand's rows, batch stride and offset are all multiples of four floats.</summary>
    private static GemmParams Vectorized(GemmParams p, Tensor a, Tensor b)
    {
        static int Aligned(Tensor t, int ld, long stride) => ld % 4 == 0 && stride % 4 == 0 && t.ByteOffset % 16 == 0 ? 1 : 0;
        return p with { VectorA = Aligned(a, p.LdA, p.StrideA), VectorB = Aligned(b, p.LdB, p.StrideB) };
    }

    // dy [R, N]; dbias [N].
    public void SumRowsInto(Tensor dy, Tensor dbias)
    {
        var (rows, n) = MatMulShape.SumRowsInto(dy, dbias);
        if (n == 0) return;
        int chunks = ReductionColumnKernels.Chunks(rows);
        var partials = Scratch((long)chunks * n);   // [chunks, n]
        _kernels.ColumnPartialSums(ColumnChunkLaunch(rows, n), F(dy), partials, rows, n);
        AddColumnSums(partials, F(dbias), chunks, n);
    }
}
