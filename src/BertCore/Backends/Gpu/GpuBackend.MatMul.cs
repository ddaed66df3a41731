using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // a [batch..., M, K] ([..., K, M] if transA); b [batch..., K, N] ([..., N, K] if transB) or a shared [K, N] ([N, K]);
    // c [batch..., M, N]; bias [N] or null; geluOut [batch..., M, N] or null.
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null)
    {
        var s = MatMulShape.Of(a, transA, b, transB, c, bias, geluOut);
        if ((long)s.M * s.N == 0) return;
        var p = new GemmParams(s.M, s.N, s.K, transA ? 1 : 0, transB ? 1 : 0, (long)s.M * s.K, s.BroadcastB ? 0 : (long)s.K * s.N,
            (long)s.M * s.N, beta, bias == null ? 0 : 1, geluOut == null ? 0 : 1);
        var grid = new Index3D((s.N + GemmKernels.Tile - 1) / GemmKernels.Tile, (s.M + GemmKernels.Tile - 1) / GemmKernels.Tile, s.Batch);
        _kernels.Gemm(new KernelConfig(grid, new Index3D(GemmKernels.Threads, 1, 1)), F(a), F(b), F(c), Optional(bias), Optional(geluOut), p);
    }

    // dy [R, N]; dbias [N].
    public void SumRowsInto(Tensor dy, Tensor dbias)
    {
        int n = dy.Shape.Last;
        if (dbias.Shape.Rank != 1 || dbias.Shape[0] != n)
            throw new ArgumentException($"SumRowsInto: dbias {dbias.Shape} should be [{n}] for dy {dy.Shape}");
        if (n == 0) return;
        int rows = checked((int)dy.Shape.Rows), chunks = ColumnReductionKernels.Chunks(rows);
        var partials = Scratch((long)chunks * n);   // [chunks, n]
        _kernels.ColumnPartialSums(ColumnChunkLaunch(rows, n), F(dy), partials, rows, n);
        AddColumnSums(partials, F(dbias), chunks, n);
    }
}
