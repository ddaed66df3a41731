using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>y[i] = table[index[i]]: table [V, cols], index [N] → [N, cols].</summary>
    public static double[] GatherRows(double[] table, int cols, int[] index)
    {
        var y = new double[index.Length * cols];
        for (int i = 0; i < index.Length; i++)
            for (int c = 0; c < cols; c++)
                y[i * cols + c] = table[index[i] * cols + c];
        return y;
    }

    /// <inheritdoc/>
    // table [V, C]; index I32 [N]; y [N, C]
    public void GatherRows(Tensor table, Tensor index, Tensor y)
    {
        var s = IndexingShape.GatherRows(table, index, y);
        Write(GatherRows(Read(table), s.Cols, CheckedIndex("GatherRows", index, s.TableRows)), y);
    }

    /// <inheritdoc/>
    // dy [N, C]; index I32 [N]; dtable [V, C]
    public void ScatterAddRows(Tensor dy, Tensor index, Tensor dtable, int paddingIndex = -1)
    {
        var s = IndexingShape.ScatterAddRows(dy, index, dtable);
        var rows = CheckedIndex("ScatterAddRows", index, s.TableRows);
        double[] g = Read(dy), sum = new double[dtable.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            if (rows[i] == paddingIndex) continue;
            for (int c = 0; c < s.Cols; c++) sum[rows[i] * s.Cols + c] += g[i * s.Cols + c];
        }
        AddTo(sum, dtable);
    }

    /// <summary>The index values, or an ArgumentOutOfRangeException naming the first outside [0, rows). index I32 [N].</summary>
    private static int[] CheckedIndex(string op, Tensor index, int rows)
    {
        var values = index.ToIntArray();
        for (int i = 0; i < values.Length; i++)
            if ((uint)values[i] >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(index), $"{op}: index {values[i]} at position {i} is outside [0, {rows})");
        return values;
    }
}
