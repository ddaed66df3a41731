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
        if (Tracks(q, k, v)) Record(_attentions, output, new AttentionSaved(q, k, v, mask, logSumExp, heads, scale, drop));
        return output;
    }

    /// <summary>
    /// <see cref="Attention"/> for inference over q, k, v stacked in one matrix, as one product with the query, key and
    /// value weights stacked gives them: qkv [B, S, 3·H·D] (columns q | k | v), mask I32 [B, S] or null → [B, S, H·D].
    /// Read in place (no copies); no dropout, no backward.
    /// </summary>
    /// <exception cref="InvalidOperationException">qkv requires a gradient.</exception>
    public Tensor AttentionQkv(Tensor qkv, Tensor? mask, int heads)
    {
        if (qkv.Shape.Rank != 3 || heads <= 0 || qkv.Shape[2] % (3 * heads) != 0)
            throw new ArgumentException($"AttentionQkv: qkv {qkv.Shape} must be [B, S, 3·H·D] with H·D divisible by {heads} heads");
        if (Tracks(qkv)) throw new InvalidOperationException("AttentionQkv has no backward: training takes Attention over separate q, k, v");
        int batch = qkv.Shape[0], seq = qkv.Shape[1], width = qkv.Shape[2] / 3;
        if (mask != null && (mask.DType != DType.I32 || mask.Shape != new Shape(batch, seq)))
            throw new ArgumentException($"AttentionQkv: mask must be I32 [{batch}, {seq}], got {mask.DType} {mask.Shape}");
        var output = Arena.Allocate(batch, seq, width);
        var logSumExp = Arena.Allocate(batch, heads, seq);
        Backend.AttentionQkv(qkv, mask, heads, 1f / MathF.Sqrt(width / heads), output, logSumExp);
        return output;
    }

    /// <summary>What Attention's backward needs besides its output: q, k, v [B, S, H·D], mask I32 [B, S] or null,
    /// logSumExp [B, H, S], the head count, the score scale and the dropout drawn.</summary>
    private readonly record struct AttentionSaved(Tensor Q, Tensor K, Tensor V, Tensor? Mask, Tensor LogSumExp, int Heads, float Scale,
        Backends.Dropout Dropout) : ISavedOp<AttentionSaved>
    {
        public static void Backward(Graph graph, Tensor output, in AttentionSaved s) =>
            graph.Backend.AttentionBackward(s.Q, s.K, s.V, s.Mask, output, s.LogSumExp, output.Grad!, s.Heads, s.Scale, s.Dropout,
                graph.GradOf(s.Q), graph.GradOf(s.K), graph.GradOf(s.V));
    }

    private readonly TapeSlots<AttentionSaved> _attentions = new();
}
