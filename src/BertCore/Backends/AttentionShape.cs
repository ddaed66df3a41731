using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one <see cref="IBackend.Attention"/> or <see cref="IBackend.AttentionBackward"/> call, checked against
/// the contract: q, k, v, output [B, S, H·D] with H·D divisible by the heads, logSumExp [B, H, S], mask I32 [B, S] or
/// null. Both backends validate through <see cref="Of"/>.
/// </summary>
internal readonly record struct AttentionShape(int Batch, int Seq, int Heads, int HeadDim)
{
    /// <summary>The sizes of the call, or an ArgumentException naming <paramref name="op"/> and the offending tensor.</summary>
    public static AttentionShape Of(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, int heads, string op)
    {
        if (q.Shape.Rank != 3 || heads <= 0 || q.Shape[2] % heads != 0)
            throw new ArgumentException($"{op}: q {q.Shape} must be [B, S, H·D] with H·D divisible by {heads} heads");
        int batch = q.Shape[0], seq = q.Shape[1];
        OpChecks.RequireCount(k, q.Count, op);
        OpChecks.RequireCount(v, q.Count, op);
        OpChecks.RequireCount(output, q.Count, op);
        OpChecks.RequireCount(logSumExp, (long)batch * heads * seq, op);
        if (mask != null && (mask.DType != DType.I32 || mask.Count != (long)batch * seq))
            throw new ArgumentException($"{op}: mask must be I32 [{batch}, {seq}], got {mask.DType} {mask.Shape}");
        return new AttentionShape(batch, seq, heads, q.Shape[2] / heads);
    }
}
