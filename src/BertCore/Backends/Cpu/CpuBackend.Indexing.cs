using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void GatherRows(Tensor table, Tensor index, Tensor y)
    {
        var (rows, cols, _) = IndexingShape.GatherRows(table, index, y);
        int* idx = index.IntData;
        float* src = table.Data, dst = y.Data;
        for (long i = 0; i < index.Count; i++)
        {
            int r = CheckedRow(idx[i], rows, i, "GatherRows");
            new ReadOnlySpan<float>(src + (long)r * cols, cols).CopyTo(new Span<float>(dst + i * cols, cols));
        }
    }

    public void ScatterAddRows(Tensor dy, Tensor index, Tensor dtable, int paddingIndex = -1)
    {
        var (rows, cols, _) = IndexingShape.ScatterAddRows(dy, index, dtable);
        int* idx = index.IntData;
        float* src = dy.Data, dst = dtable.Data;
        for (long i = 0; i < index.Count; i++)
        {
            int r = CheckedRow(idx[i], rows, i, "ScatterAddRows");
            if (r == paddingIndex) continue;
            var to = new Span<float>(dst + (long)r * cols, cols);
            System.Numerics.Tensors.TensorPrimitives.Add(to, new ReadOnlySpan<float>(src + i * cols, cols), to);
        }
    }

    private static int CheckedRow(int row, int rows, long position, string op) =>
        (uint)row < (uint)rows ? row
            : throw new ArgumentOutOfRangeException(nameof(row), $"{op}: index {row} at position {position} is outside [0, {rows})");
}
