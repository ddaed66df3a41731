using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

/// <summary>The two-stage reductions (whole-tensor sums, column sums); their partial sums live in the backend's scratch.</summary>
public sealed partial class GpuBackend
{
    // x any shape; y [1]
    public void Sum(Tensor x, Tensor y, float alpha = 1f)
    {
        var s = ReductionShape.Sum(x, y);
        ReduceSum(F(x), F(y), checked((int)s.Count), alpha, 0);
    }

    // x any shape; y [1]
    public void SumOfSquares(Tensor x, Tensor y)
    {
        var s = ReductionShape.SumOfSquares(x, y);
        ReduceSum(F(x), F(y), checked((int)s.Count), 1f, 1);
    }

    /// <summary>y[0] = alpha · Σ x (squares: Σ x²), over many groups then one. x [count]; y [1].</summary>
    private void ReduceSum(ArrayView<float> x, ArrayView<float> y, int count, float alpha, int squares)
    {
        int groups = ReductionKernels.Groups(count);
        if (groups == 1)
        {
            _kernels.Sum(new KernelConfig(1, ReductionKernels.Threads), x, y, count, alpha, squares);
            return;
        }
        var partials = Scratch(groups);   // [groups]
        _kernels.Sum(new KernelConfig(groups, ReductionKernels.Threads), x, partials, count, 1f, squares);
        _kernels.Sum(new KernelConfig(1, ReductionKernels.Threads), partials, y, groups, alpha, 0);
    }

    /// <summary>The stage-1 launch of a column reduction over [rows, cols].</summary>
    private static KernelConfig ColumnChunkLaunch(int rows, int cols) =>
        new(new Index3D(ColumnBlocks(cols), ReductionColumnKernels.Chunks(rows), 1), new Index3D(ReductionColumnKernels.Threads, 1, 1));

    /// <summary>dst[c] += Σ_k partials[k, c] (stage 2). partials [chunks, cols]; dst [cols].</summary>
    private void AddColumnSums(ArrayView<float> partials, ArrayView<float> dst, int chunks, int cols) =>
        _kernels.AddColumnSums(new KernelConfig(ColumnBlocks(cols), ReductionColumnKernels.Threads), partials, dst, chunks, cols);

    private static int ColumnBlocks(int cols) => (cols + ReductionColumnKernels.ColumnLanes - 1) / ReductionColumnKernels.ColumnLanes;
}
