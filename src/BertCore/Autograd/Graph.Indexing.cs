using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// Rows of a table by index: table [V, C], index I32 (any shape, N elements); returns [index dims..., C].
    /// An embedding lookup is GatherRows(weight, ids); h[:, 0] is GatherRows(h viewed [B·S, C], {0, S, 2S, ...}).
    /// Rows gathered by <paramref name="paddingIndex"/> pass no gradient back (torch's Embedding padding_idx).
    /// </summary>
    public Tensor GatherRows(Tensor table, Tensor index, int paddingIndex = -1)
    {
        if (table.Shape.Rank != 2) throw new ArgumentException($"GatherRows: table must be [V, C], got {table.Shape}");
        if (index.DType != DType.I32) throw new ArgumentException($"GatherRows: index must be I32, got {index.DType}");
        if (index.Shape.Rank >= Shape.MaxRank) throw new ArgumentException($"GatherRows: index {index.Shape} has too many dimensions");
        Span<int> dims = stackalloc int[index.Shape.Rank + 1];
        for (int i = 0; i < index.Shape.Rank; i++) dims[i] = index.Shape[i];
        dims[^1] = table.Shape[1];
        var y = Arena.Allocate(new Shape(dims));
        Backend.GatherRows(table, index, y);
        if (Tracks(table)) Record(_gathers, y, new GatherRowsSaved(table, index, paddingIndex));
        return y;
    }

    /// <summary>What GatherRows' backward needs: the table [V, C] (for its gradient), the index I32 and the padding index.</summary>
    private readonly record struct GatherRowsSaved(Tensor Table, Tensor Index, int PaddingIndex) : ISavedOp<GatherRowsSaved>
    {
        public static void Backward(Graph graph, Tensor output, in GatherRowsSaved s)
        {
            var dTable = graph.GradOf(s.Table);
            if (dTable != null) graph.Backend.ScatterAddRows(output.Grad!, s.Index, dTable, s.PaddingIndex);
        }
    }

    private readonly TapeSlots<GatherRowsSaved> _gathers = new();
}
