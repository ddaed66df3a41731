using ILGPU;

namespace BertCore.Kernels;

/// <summary>The ops that report an out-of-range index (error[3]).</summary>
public static class IndexError
{
    public const int Gather = 1;
    public const int ScatterAdd = 2;
    public const int CrossEntropy = 3;
}

/// <summary>
/// Embedding rows: gather forward, scatter-add backward. An index outside the table cannot throw on a device: the
/// first bad one is recorded in error [4] = (1, position, index, op) with op from <see cref="IndexError"/>, and the host raises it at its next
/// synchronization (see the GPU backend's CheckErrors).
/// </summary>
public static class IndexingKernels
{
    /// <summary>y[i, c] = table[index[i], c]. table [rows, cols]; index [n]; y [n, cols]. Launch: n·cols threads.</summary>
    public static void Gather(ArrayView<float> table, ArrayView<int> index, ArrayView<float> y, ArrayView<int> error,
        int n, int rows, int cols)
    {
        int e = Grid.GlobalIndex.X;
        if (e >= n * cols) return;
        int i = e / cols, c = e % cols, r = index[i];
        if ((uint)r >= (uint)rows)
        {
            Report(error, IndexError.Gather, i, r);
            return;
        }
        y[e] = table[(long)r * cols + c];
    }

    /// <summary>
    /// Stage 1 of dtable[index[i], c] += dy[i, c]: links the positions that share an index. next[i] = the next position
    /// with the same index (−1 if none); first[i] = 1 if no earlier position has it. Out-of-range indices are reported.
    /// index, next, first [n]. Launch: n threads (all read index[j] for the same j together: broadcasts).
    /// </summary>
    public static void LinkRepeats(ArrayView<int> index, ArrayView<int> next, ArrayView<int> first, ArrayView<int> error, int n, int rows)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= n) return;
        int r = index[i];
        if ((uint)r >= (uint)rows) Report(error, IndexError.ScatterAdd, i, r);
        int after = -1, isFirst = 1;
        for (int j = i + 1; j < n; j++)
            if (index[j] == r)
            {
                after = j;
                break;
            }
        for (int j = 0; j < i; j++)
            if (index[j] == r)
            {
                isFirst = 0;
                break;
            }
        next[i] = after;
        first[i] = isFirst;
    }

    /// <summary>
    /// Stage 2: one thread per (first position of an index, column) adds that index's positions in position order into a
    /// register started from dtable, then stores once; rows whose index is paddingIndex are skipped. The order of additions
    /// is the CPU backend's (dtable[r] += dy[i] for i ascending), so the result is bitwise the same, without atomics.
    /// dy [n, cols]; index, next, first [n] (from <see cref="LinkRepeats"/>); dtable [rows, cols]. Launch: n·cols threads.
    /// </summary>
    public static void ScatterAddChains(ArrayView<float> dy, ArrayView<int> index, ArrayView<int> next, ArrayView<int> first,
        ArrayView<float> dtable, int n, int rows, int cols, int paddingIndex)
    {
        long e = Grid.GlobalIndex.X;
        if (e >= (long)n * cols) return;
        int i = (int)(e / cols), c = (int)(e % cols);
        if (first[i] == 0) return;
        int r = index[i];
        if ((uint)r >= (uint)rows || r == paddingIndex) return;
        long at = (long)r * cols + c;
        float sum = dtable[at];
        for (int j = i; j >= 0; j = next[j]) sum += dy[(long)j * cols + c];
        dtable[at] = sum;
    }

    /// <summary>Records the first bad index: error[0] = 1 by the winner of a compare-exchange, which then writes
    /// the position, the index and the op.</summary>
    public static void Report(ArrayView<int> error, int op, int position, int value)
    {
        if (Atomic.CompareExchange(ref error[0], 0, 1) == 0)
        {
            error[1] = position;
            error[2] = value;
            error[3] = op;
        }
    }
}
