using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one <see cref="IBackend.PackedAttention"/> call, checked against the contract: q, k, v, output
/// [T, H·D] (fp32) with H·D divisible by the heads, offsets I32 [N+1], logSumExp [T·H]; or, for
/// <see cref="IBackend.PackedAttentionQkv"/>, qkv [T, 3·H·D] in place of q, k, v. <see cref="Sequences"/> checks
/// the offsets' values where the backend can read them on the host.
/// </summary>
internal readonly record struct PackedAttentionShape(int Tokens, int Count, int Heads, int HeadDim)
{
    private const string Op = "PackedAttention";

    /// <summary>The width H·D of one token's row.</summary>
    public int Width => Heads * HeadDim;

    // q, k, v, output [T, H·D]; offsets I32 [N+1]; logSumExp [T·H]
    public static PackedAttentionShape Of(Tensor q, Tensor k, Tensor v, Tensor offsets, Tensor output, Tensor logSumExp, int heads)
    {
        if (q.Shape.Rank != 2 || heads <= 0 || q.Shape[1] % heads != 0)
            throw new ArgumentException($"{Op}: q {q.Shape} must be [T, H·D] with H·D divisible by {heads} heads");
        OpChecks.Floats(Op, "k", k, q.Count);
        OpChecks.Floats(Op, "v", v, q.Count);
        OpChecks.Floats(Op, "q", q, q.Count);
        OpChecks.Floats(Op, "output", output, q.Count);
        OpChecks.Floats(Op, "logSumExp", logSumExp, (long)q.Shape[0] * heads);
        return new PackedAttentionShape(q.Shape[0], SequenceCount(Op, offsets), heads, q.Shape[1] / heads);
    }

    // qkv [T, 3·H·D] (q, k, v column blocks); offsets I32 [N+1]; output [T, H·D]; logSumExp [T·H]
    public static PackedAttentionShape OfQkv(Tensor qkv, Tensor offsets, Tensor output, Tensor logSumExp, int heads)
    {
        const string op = "PackedAttentionQkv";
        if (qkv.Shape.Rank != 2 || heads <= 0 || qkv.Shape[1] % (3 * heads) != 0)
            throw new ArgumentException($"{op}: qkv {qkv.Shape} must be [T, 3·H·D] with H·D divisible by {heads} heads");
        int width = qkv.Shape[1] / 3;
        OpChecks.Floats(op, "qkv", qkv, qkv.Count);
        OpChecks.Floats(op, "output", output, (long)qkv.Shape[0] * width);
        OpChecks.Floats(op, "logSumExp", logSumExp, (long)qkv.Shape[0] * heads);
        return new PackedAttentionShape(qkv.Shape[0], SequenceCount(op, offsets), heads, width / heads);
    }

    /// <summary>N, the sequences that offsets I32 [N+1] bound.</summary>
    private static int SequenceCount(string op, Tensor offsets) =>
        offsets.DType != DType.I32 || offsets.Shape.Rank != 1 || offsets.Count < 1
            ? throw new ArgumentException($"{op}: offsets {offsets.DType} {offsets.Shape} must be I32 [N+1]")
            : (int)offsets.Count - 1;

    /// <summary>The sequence boundaries [N+1] read on the host, checked: 0 first, T last, non-decreasing.</summary>
    public int[] Sequences(Tensor offsets)
    {
        var o = offsets.ToIntArray();
        if (o[0] != 0 || o[^1] != Tokens)
            throw new ArgumentException($"{Op}: offsets must run from 0 to the {Tokens} tokens, not {o[0]} to {o[^1]}");
        for (int n = 0; n < Count; n++)
            if (o[n + 1] < o[n]) throw new ArgumentException($"{Op}: offsets[{n + 1}] = {o[n + 1]} is below offsets[{n}] = {o[n]}");
        return o;
    }
}
