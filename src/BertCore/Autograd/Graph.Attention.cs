using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// Multi-head scaled dot-product attention with a key padding mask and dropout on the probabilities.
    /// q, k, v [B, S, H·D] with heads interleaved by column blocks; mask I32 [B, S] (1 keep, 0 pad) or null;
    /// returns [B, S, H·D]. Scale is 1/sqrt(D). Dropout applies only in training mode.
    /// </summary>
    public Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float dropoutP)
    {
        RequireSameShape(q, k, "Attention");
        RequireSameShape(q, v, "Attention");
        if (q.Shape.Rank != 3 || q.Shape[2] % heads != 0)
            throw new ArgumentException($"Attention: q {q.Shape} must be [B, S, H·D] with H·D divisible by {heads} heads");
        int batch = q.Shape[0], seq = q.Shape[1], headDim = q.Shape[2] / heads;
        if (mask != null && (mask.DType != DType.I32 || mask.Shape != new Shape(batch, seq)))
            throw new ArgumentException($"Attention: mask must be I32 [{batch}, {seq}], got {mask.DType} {mask.Shape}");
        float scale = 1f / MathF.Sqrt(headDim);
        var drop = Training && dropoutP > 0
            ? new Backends.Dropout(dropoutP, Seed, NextRngOffset((long)batch * heads * seq * seq))
            : Backends.Dropout.None;
        var output = NewLike(q);
        var logSumExp = Arena.Allocate(batch, heads, seq);
        Backend.Attention(q, k, v, mask, heads, scale, drop, output, logSumExp);
        if (Tracks(q, k, v))
        {
            // T0 = q, T1 = k, T2 = v, T3 = logSumExp [B, H, S], T4 = mask; I0 = heads, F0 = scale; the output is Out
            ref var e = ref Record(OpCode.Attention, output);
            e.T0 = q; e.T1 = k; e.T2 = v; e.T3 = logSumExp; e.T4 = mask; e.I0 = heads; e.F0 = scale; e.Drop = drop;
        }
        return output;
    }

    private void AttentionBackward(ref TapeEntry e) =>
        Backend.AttentionBackward(e.T0!, e.T1!, e.T2!, e.T4, e.Out, e.T3!, e.Out.Grad!, e.I0, e.F0, e.Drop,
            GradOf(e.T0), GradOf(e.T1), GradOf(e.T2));
}
