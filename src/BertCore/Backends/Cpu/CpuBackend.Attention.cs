using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // q, k, v, output [B, S, H·D] (head h in columns h·D .. h·D+D-1); mask I32 [B, S] or null; logSumExp [B, H, S]
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor logSumExp)
    {
        var a = Args(AttentionShape.Forward(q, k, v, mask, output, logSumExp, heads, dropout), q, k, v, mask, output, logSumExp, scale, dropout);
        var job = new AttentionJob(a);
        _pool.For(a.Batch * a.Heads, (long)a.Seq * a.Seq * a.HeadDim, ref job, itemPerChunk: true);
    }

    // qkv [B, S, 3·H·D] (q, k, v column blocks, read in place: rows 3·H·D apart); mask I32 [B, S] or null;
    // output [B, S, H·D]; logSumExp [B, H, S]
    public void AttentionQkv(Tensor qkv, Tensor? mask, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        var s = AttentionShape.ForwardQkv(qkv, mask, output, logSumExp, heads);
        float* q = qkv.Data;
        var a = new AttentionArgs(q, q + s.Width, q + 2 * s.Width, mask == null ? null : mask.IntData, output.Data, logSumExp.Data,
            s.Batch, s.Seq, s.Heads, s.Width, scale, Backends.Dropout.None, inputStride: 3 * s.Width);
        var job = new AttentionJob(a);
        _pool.For(a.Batch * a.Heads, (long)a.Seq * a.Seq * a.HeadDim, ref job, itemPerChunk: true);
    }

    // q, k, v, output, dOutput [B, S, H·D]; mask I32 [B, S] or null; logSumExp [B, H, S] saved by Attention;
    // dq, dk, dv [B, S, H·D] (each optional, added into)
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput,
        int heads, float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv)
    {
        var a = Args(AttentionShape.Backward(q, k, v, mask, output, logSumExp, dOutput, heads, dropout, dq, dk, dv),
            q, k, v, mask, output, logSumExp, scale, dropout);
        if (dq == null && dk == null && dv == null) return;
        // Each (b, h) pair reads and writes only its own batch and head columns, so pairs run in parallel without races.
        var job = new AttentionBackwardJob(a, dOutput.Data, dq == null ? null : dq.Data, dk == null ? null : dk.Data, dv == null ? null : dv.Data);
        _pool.For(a.Batch * a.Heads, 2L * a.Seq * a.Seq * a.HeadDim, ref job, itemPerChunk: true);
    }

    private static AttentionArgs Args(AttentionShape shape, Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp,
        float scale, Dropout dropout) =>
        new(q.Data, k.Data, v.Data, mask == null ? null : mask.IntData, output.Data, logSumExp.Data,
            shape.Batch, shape.Seq, shape.Heads, shape.Width, scale, dropout);

    /// <summary>(batch, head) pairs [start, end) of <see cref="AttentionKernel.Forward"/>.</summary>
    private readonly struct AttentionJob(AttentionArgs a) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int bh = start; bh < end; bh++) AttentionKernel.Forward(a, bh);
        }
    }

    /// <summary>(batch, head) pairs [start, end) of <see cref="AttentionKernel.Backward"/>.</summary>
    private readonly struct AttentionBackwardJob(AttentionArgs a, float* dOutput, float* dq, float* dk, float* dv) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int bh = start; bh < end; bh++) AttentionKernel.Backward(a, bh, dOutput, dq, dk, dv);
        }
    }
}
