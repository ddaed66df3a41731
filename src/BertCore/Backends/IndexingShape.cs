using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one row gather or scatter-add: a table [TableRows, Cols] (fp32), an index I32 of Count elements (any
/// shape), rows [Count, Cols] (fp32). Index values are checked by the backends as they read them (on the GPU, at the
/// next synchronization). One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct IndexingShape(int TableRows, int Cols, int Count)
{
    // table [V, C]; index I32 [N]; y [N, C]
    public static IndexingShape GatherRows(Tensor table, Tensor index, Tensor y) => Of("GatherRows", "table", table, index, "y", y);

    // dy [N, C]; index I32 [N]; dtable [V, C]
    public static IndexingShape ScatterAddRows(Tensor dy, Tensor index, Tensor dtable) => Of("ScatterAddRows", "dtable", dtable, index, "dy", dy);

    private static IndexingShape Of(string op, string tableName, Tensor table, Tensor index, string rowsName, Tensor rows)
    {
        if (table.Shape.Rank != 2) throw new ArgumentException($"{op}: {tableName} must be [V, C], got {table.Shape}");
        OpChecks.Float(op, tableName, table);
        if (index.DType != DType.I32) throw new ArgumentException($"{op}: index {index.Shape} holds {index.DType}, not I32");
        if (index.Count > int.MaxValue) throw new ArgumentException($"{op}: index {index.Shape} has more than {int.MaxValue} elements");
        OpChecks.Floats(op, rowsName, rows, index.Count * table.Shape[1]);
        return new(table.Shape[0], table.Shape[1], (int)index.Count);
    }
}
