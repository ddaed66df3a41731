using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// Concatenation along the last dimension: parts [R, C_i] (any leading dimensions, the same R rows each) →
    /// [R, Σ C_i] with the leading dimensions of the first part. Each row of each part is one device copy (and
    /// one add in backward), so this is meant for head-sized tensors (a few [B, H] sentence vectors), not for
    /// per-token activations.
    /// </summary>
    public Tensor Concat(IReadOnlyList<Tensor> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("Concat needs at least one part");
        long rows = parts[0].Shape.Rows;
        int width = 0;
        foreach (var part in parts)
        {
            if (part.Shape.Rows != rows || part.DType != DType.F32)
                throw new ArgumentException($"Concat: part {part.Shape} {part.DType} does not have the {rows} float rows of {parts[0].Shape}");
            width += part.Shape.Last;
        }
        var y = Arena.Allocate(parts[0].Shape.With(-1, width));
        int offset = 0;
        foreach (var part in parts)
        {
            int c = part.Shape.Last;
            for (long r = 0; r < rows; r++)
                Backend.Copy(Arena.View(part, new Shape(c), r * c), Arena.View(y, new Shape(c), r * width + offset));
            if (Tracks(part)) Record(_concats, y, new ConcatSaved(part, offset));
            offset += c;
        }
        return y;
    }

    /// <summary>What Concat's backward needs for one part: the part [R, C] and its first column in the output.</summary>
    private readonly record struct ConcatSaved(Tensor Part, int Offset) : ISavedOp<ConcatSaved>
    {
        public static void Backward(Graph graph, Tensor output, in ConcatSaved s) => graph.ConcatBackward(output, s);
    }

    private readonly TapeSlots<ConcatSaved> _concats = new();

    private void ConcatBackward(Tensor output, in ConcatSaved s)
    {
        var dx = GradOf(s.Part);
        if (dx == null) return;
        var dy = output.Grad!;
        int c = s.Part.Shape.Last, width = output.Shape.Last;
        for (long r = 0; r < s.Part.Shape.Rows; r++)
            Backend.AddInto(Arena.View(dy, new Shape(c), r * width + s.Offset), Arena.View(dx, new Shape(c), r * c));
    }
}
