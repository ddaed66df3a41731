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
            if (Tracks(part))
            {
                // T0 = part [R, C]; I0 = its first column in the output
                ref var e = ref Record(OpCode.Concat, y);
                e.T0 = part; e.I0 = offset;
            }
            offset += c;
        }
        return y;
    }

    private void ConcatBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx == null) return;
        var dy = e.Out.Grad!;
        int c = e.T0!.Shape.Last, width = e.Out.Shape.Last;
        for (long r = 0; r < e.T0.Shape.Rows; r++)
            Backend.AddInto(Arena.View(dy, new Shape(c), r * width + e.I0), Arena.View(dx, new Shape(c), r * c));
    }
}
