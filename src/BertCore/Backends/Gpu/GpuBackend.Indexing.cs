using BertCore.Tensors;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // table [V, C]; index I32 [N]; y [N, C]. An out-of-range index is raised at the next synchronization.
    public void GatherRows(Tensor table, Tensor index, Tensor y)
    {
        var (rows, cols, n) = IndexingShape.GatherRows(table, index, y);
        if ((long)n * cols == 0) return;
        _kernels.Gather(ItemLaunch((long)n * cols), F(table), I(index), F(y), _error.View, n, rows, cols);
    }

    // dy [N, C]; index I32 [N]; dtable [V, C]
    public void ScatterAddRows(Tensor dy, Tensor index, Tensor dtable, int paddingIndex = -1)
    {
        var (rows, cols, n) = IndexingShape.ScatterAddRows(dy, index, dtable);
        if ((long)n * cols == 0) return;
        var links = Scratch(2L * n).Cast<int>();   // next [n], then first [n]
        var next = links.SubView(0, n);
        var first = links.SubView(n, n);
        _kernels.LinkRepeats(ItemLaunch(n), I(index), next, first, _error.View, n, rows);
        _kernels.ScatterAddChains(ItemLaunch((long)n * cols), F(dy), I(index), next, first, F(dtable), n, rows, cols, paddingIndex);
    }
}
