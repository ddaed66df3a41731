using ILGPU;

namespace BertCore.Kernels;

/// <summary>
/// Column sums of a row-major [rows, cols] matrix in two stages, deterministic without atomics (bias gradients,
/// LayerNorm's dgamma and dbeta). Stage 1: group (b, k) of <see cref="Threads"/> threads takes the
/// <see cref="ColumnLanes"/> columns 32·b .. and the <see cref="ChunkRows"/> rows of chunk k; thread
/// (rowLane, colLane) = (idx / 32, idx % 32) adds rows k·64 + rowLane + 8·t, t = 0 .. 7, in order (a warp reads 32
/// consecutive floats of one row: coalesced), the group adds its eight row-lanes in order through shared memory and
/// writes partials[k, c]. Stage 2 (<see cref="AddColumnSums"/>) sums the chunks of each column the same way and adds
/// into the destination. The chunk count depends only on rows, so the order of every sum depends only on the shape.
/// At 4096 × 768: 64 chunks × 24 column blocks = 1536 groups of 256 threads instead of 768 threads looping 4096 rows.
/// Launch (stage 1): grid (ceil(cols / 32), <see cref="Chunks"/>(rows)), group <see cref="Threads"/>.
/// </summary>
public static class ReductionColumnKernels
{
    public const int ColumnLanes = 32;
    public const int RowLanes = 8;
    public const int Threads = ColumnLanes * RowLanes;
    /// <summary>Rows of one chunk: eight per row-lane.</summary>
    public const int ChunkRows = RowLanes * 8;

    /// <summary>The chunks of stage 1 for a matrix of <paramref name="rows"/> rows (at least one).</summary>
    public static int Chunks(int rows) => Math.Max(1, (rows + ChunkRows - 1) / ChunkRows);

    /// <summary>partials[k, c] = Σ x[r, c] over the rows r of chunk k. x [rows, cols]; partials [Chunks(rows), cols].</summary>
    public static void ColumnPartialSums(ArrayView<float> x, ArrayView<float> partials, int rows, int cols)
    {
        var laneSums = SharedMemory.Allocate<float>(Threads);
        int colLane = Group.IdxX % ColumnLanes, rowLane = Group.IdxX / ColumnLanes;
        int c = Grid.IdxX * ColumnLanes + colLane, r = Grid.IdxY * ChunkRows + rowLane;
        float s = 0f;
        if (c < cols)
        {
            s = At(x, r, rows, cols, c);
            s += At(x, r + 8, rows, cols, c);
            s += At(x, r + 16, rows, cols, c);
            s += At(x, r + 24, rows, cols, c);
            s += At(x, r + 32, rows, cols, c);
            s += At(x, r + 40, rows, cols, c);
            s += At(x, r + 48, rows, cols, c);
            s += At(x, r + 56, rows, cols, c);
        }
        laneSums[Group.IdxX] = s;
        Group.Barrier();
        if (rowLane == 0 && c < cols) partials[(long)Grid.IdxY * cols + c] = SumRowLanes(laneSums, colLane);
    }

    /// <summary>
    /// Stage 2: dst[c] += Σ_k partials[k, c], row-lane l adding chunks l, l + 8, .. in order, then the row-lanes in
    /// order. partials [chunks, cols]; dst [cols]. Launch: grid ceil(cols / 32), group <see cref="Threads"/>.
    /// </summary>
    public static void AddColumnSums(ArrayView<float> partials, ArrayView<float> dst, int chunks, int cols)
    {
        var laneSums = SharedMemory.Allocate<float>(Threads);
        int colLane = Group.IdxX % ColumnLanes, rowLane = Group.IdxX / ColumnLanes;
        int c = Grid.IdxX * ColumnLanes + colLane;
        float s = 0f;
        if (c < cols)
            for (int k = rowLane; k < chunks; k += RowLanes) s += partials[(long)k * cols + c];
        laneSums[Group.IdxX] = s;
        Group.Barrier();
        if (rowLane == 0 && c < cols) dst[c] += SumRowLanes(laneSums, colLane);
    }

    /// <summary>x[r, c], or 0 past the last row.</summary>
    private static float At(ArrayView<float> x, int r, int rows, int cols, int c) => r < rows ? x[(long)r * cols + c] : 0f;

    /// <summary>The eight row-lane sums of column lane colLane, in row-lane order. laneSums [RowLanes, ColumnLanes].</summary>
    internal static float SumRowLanes(ArrayView<float> laneSums, int colLane)
    {
        float s = laneSums[colLane];
        s += laneSums[colLane + 32];
        s += laneSums[colLane + 64];
        s += laneSums[colLane + 96];
        s += laneSums[colLane + 128];
        s += laneSums[colLane + 160];
        s += laneSums[colLane + 192];
        s += laneSums[colLane + 224];
        return s;
    }
}
