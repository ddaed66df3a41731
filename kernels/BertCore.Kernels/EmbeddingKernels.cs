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
public static class EmbeddingKernels
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
    /// dtable[index[i], c] += dy[i, c], skipping rows whose index is paddingIndex: one thread per column walks the
    /// positions in order, so repeated indices add deterministically without atomics. dy [n, cols]; index [n];
    /// dtable [rows, cols]. Launch: cols threads.
    /// </summary>
    public static void ScatterAdd(ArrayView<float> dy, ArrayView<int> index, ArrayView<float> dtable, ArrayView<int> error,
        int n, int rows, int cols, int paddingIndex)
    {
        int c = Grid.GlobalIndex.X;
        if (c >= cols) return;
        for (int i = 0; i < n; i++)
        {
            int r = index[i];
            if ((uint)r >= (uint)rows)
            {
                Report(error, IndexError.ScatterAdd, i, r);
                continue;
            }
            if (r != paddingIndex) dtable[(long)r * cols + c] += dy[(long)i * cols + c];
        }
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
