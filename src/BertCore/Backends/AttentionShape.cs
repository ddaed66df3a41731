using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one <see cref="IBackend.Attention"/> or <see cref="IBackend.AttentionBackward"/> call, checked against
/// the contract: q, k, v, output [B, S, H·D] (fp32) with H·D divisible by the heads, logSumExp [B, H, S], mask I32
/// [B, S] or null; in backward also dOutput and the optional dq, dk, dv [B, S, H·D]; for
/// <see cref="IBackend.AttentionQkv"/> qkv [B, S, 3·H·D] in place of q, k, v. One factory per op, each the op's only
/// argument check.
/// </summary>
internal readonly record struct AttentionShape(int Batch, int Seq, int Heads, int HeadDim)
{
    /// <summary>The width H·D of one token's row.</summary>
    public int Width => Heads * HeadDim;

    // q, k, v, output [B, S, H·D]; mask I32 [B, S] or null; logSumExp [B, H, S]
    public static AttentionShape Forward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, int heads, Dropout dropout) =>
        Of("Attention", q, k, v, mask, output, logSumExp, heads, dropout);

    // qkv [B, S, 3·H·D] (q, k, v column blocks); mask I32 [B, S] or null; output [B, S, H·D]; logSumExp [B, H, S]
    public static AttentionShape ForwardQkv(Tensor qkv, Tensor? mask, Tensor output, Tensor logSumExp, int heads)
    {
        const string op = "AttentionQkv";
        if (qkv.Shape.Rank != 3 || heads <= 0 || qkv.Shape[2] % (3 * heads) != 0)
            throw new ArgumentException($"{op}: qkv {qkv.Shape} must be [B, S, 3·H·D] with H·D divisible by {heads} heads");
        int batch = qkv.Shape[0], seq = qkv.Shape[1], width = qkv.Shape[2] / 3;
        OpChecks.Floats(op, "qkv", qkv, qkv.Count);
        OpChecks.Floats(op, "output", output, (long)batch * seq * width);
        OpChecks.Floats(op, "logSumExp", logSumExp, (long)batch * heads * seq);
        if (mask != null) OpChecks.Ints(op, "mask", mask, (long)batch * seq);
        return new AttentionShape(batch, seq, heads, width / heads);
    }

    // as Forward, and dOutput [B, S, H·D]; dq, dk, dv [B, S, H·D] or null
    public static AttentionShape Backward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput,
        int heads, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv)
    {
        const string op = "AttentionBackward";
        var s = Of(op, q, k, v, mask, output, logSumExp, heads, dropout);
        OpChecks.Floats(op, "dOutput", dOutput, q.Count);
        OpChecks.OptionalFloats(op, "dq", dq, q.Count);
        OpChecks.OptionalFloats(op, "dk", dk, q.Count);
        OpChecks.OptionalFloats(op, "dv", dv, q.Count);
        return s;
    }

    private static AttentionShape Of(string op, Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, int heads, Dropout dropout)
    {
        if (q.Shape.Rank != 3 || heads <= 0 || q.Shape[2] % heads != 0)
            throw new ArgumentException($"{op}: q {q.Shape} must be [B, S, H·D] with H·D divisible by {heads} heads");
        int batch = q.Shape[0], seq = q.Shape[1];
        OpChecks.Floats(op, "q", q, q.Count);
        OpChecks.Floats(op, "k", k, q.Count);
        OpChecks.Floats(op, "v", v, q.Count);
        OpChecks.Floats(op, "output", output, q.Count);
        OpChecks.Floats(op, "logSumExp", logSumExp, (long)batch * heads * seq);
        if (mask != null) OpChecks.Ints(op, "mask", mask, (long)batch * seq);
        OpChecks.Probability(op, dropout);
        return new AttentionShape(batch, seq, heads, q.Shape[2] / heads);
    }
}
