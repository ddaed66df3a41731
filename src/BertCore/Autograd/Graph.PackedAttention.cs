using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// Multi-head scaled dot-product attention over packed sequences, for inference: q, k, v [T, H·D] hold N sequences
    /// back to back, sequence n in rows offsets[n] .. offsets[n+1]-1 (offsets I32 [N+1]); each query attends to its
    /// own sequence's keys. Returns [T, H·D]; scale 1/sqrt(D); no dropout. No backward: inputs that need a gradient
    /// are refused (training takes the padded <see cref="Attention"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">q, k or v requires a gradient.</exception>
    public Tensor PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads)
    {
        RequireSameShape(q, k, "PackedAttention");
        RequireSameShape(q, v, "PackedAttention");
        if (q.Shape.Rank != 2 || heads <= 0 || q.Shape[1] % heads != 0)
            throw new ArgumentException($"PackedAttention: q {q.Shape} must be [T, H·D] with H·D divisible by {heads} heads");
        if (Tracks(q, k, v))
            throw new InvalidOperationException("PackedAttention has no backward: run it under NoGrad, or use the padded Attention for training");
        var output = NewLike(q);
        var logSumExp = Arena.Allocate((long)q.Shape[0] * heads > int.MaxValue
            ? throw new ArgumentException($"PackedAttention: {q.Shape[0]} tokens × {heads} heads is too many")
            : q.Shape[0] * heads);
        Backend.PackedAttention(q, k, v, offsets, heads, 1f / MathF.Sqrt(q.Shape[1] / heads), output, logSumExp);
        return output;
    }
}
