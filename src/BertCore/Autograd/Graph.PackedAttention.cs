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

    /// <summary>
    /// <see cref="PackedAttention"/> over q, k, v stacked in one matrix qkv [T, 3·H·D] (columns q | k | v, as one
    /// product with the query, key and value weights stacked gives them), read in place; offsets I32 [N+1] → [T, H·D].
    /// </summary>
    /// <exception cref="InvalidOperationException">qkv requires a gradient.</exception>
    public Tensor PackedAttentionQkv(Tensor qkv, Tensor offsets, int heads)
    {
        if (qkv.Shape.Rank != 2 || heads <= 0 || qkv.Shape[1] % (3 * heads) != 0)
            throw new ArgumentException($"PackedAttentionQkv: qkv {qkv.Shape} must be [T, 3·H·D] with H·D divisible by {heads} heads");
        if (Tracks(qkv))
            throw new InvalidOperationException("PackedAttentionQkv has no backward: run it under NoGrad, or use the padded Attention for training");
        int tokens = qkv.Shape[0], width = qkv.Shape[1] / 3;
        var output = Arena.Allocate(tokens, width);
        var logSumExp = Arena.Allocate((long)tokens * heads > int.MaxValue
            ? throw new ArgumentException($"PackedAttentionQkv: {tokens} tokens × {heads} heads is too many")
            : tokens * heads);
        Backend.PackedAttentionQkv(qkv, offsets, heads, 1f / MathF.Sqrt(width / heads), output, logSumExp);
        return output;
    }
}
