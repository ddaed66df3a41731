using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // q, k, v, output [B, S, H·D] (head h in columns h·D .. h·D+D-1); mask I32 [B, S] or null; logSumExp [B, H, S]
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor logSumExp)
    {
        var p = Args(q, k, v, mask, output, logSumExp, heads, scale, dropout, "Attention");
        long rows = (long)p.Batch * p.Heads * p.Seq;
        if (rows == 0) return;
        _kernels.Attention(RowLaunch(rows), F(q), F(k), F(v), MaskView(mask), F(output), F(logSumExp), p);
    }

    // q, k, v, output, dOutput [B, S, H·D]; mask I32 [B, S] or null; logSumExp [B, H, S];
    // dq, dk, dv [B, S, H·D] (each optional, added into)
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput,
        int heads, float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv)
    {
        var p = Args(q, k, v, mask, output, logSumExp, heads, scale, dropout, "AttentionBackward");
        RequireCount(dOutput, q.Count, "AttentionBackward");
        if (dq != null) RequireCount(dq, q.Count, "AttentionBackward");
        if (dk != null) RequireCount(dk, q.Count, "AttentionBackward");
        if (dv != null) RequireCount(dv, q.Count, "AttentionBackward");
        long rows = (long)p.Batch * p.Heads * p.Seq;
        if ((dq == null && dk == null && dv == null) || rows == 0) return;
        var delta = Scratch(rows);   // Δ [B, H, S]
        var launch = RowLaunch(rows);
        var maskView = MaskView(mask);
        _kernels.AttentionDelta(launch, F(output), F(dOutput), delta, p);
        if (dq != null)
            _kernels.AttentionBackwardQuery(launch, F(q), F(k), F(v), maskView, F(logSumExp), delta, F(dOutput), F(dq), p);
        if (dk != null || dv != null)
            _kernels.AttentionBackwardKeyValue(launch, F(q), F(k), F(v), maskView, F(logSumExp), delta, F(dOutput),
                Optional(dk), dk == null ? 0 : 1, Optional(dv), dv == null ? 0 : 1, p);
    }

    private ArrayView<int> MaskView(Tensor? mask) => mask == null ? _placeholder.View.AsContiguous().Cast<int>() : I(mask);

    private static AttentionParams Args(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, int heads,
        float scale, Dropout dropout, string op)
    {
        if (q.Shape.Rank != 3 || heads <= 0 || q.Shape[2] % heads != 0)
            throw new ArgumentException($"{op}: q {q.Shape} must be [B, S, H·D] with H·D divisible by {heads} heads");
        int batch = q.Shape[0], seq = q.Shape[1], headDim = q.Shape[2] / heads;
        if (headDim > AttentionParams.MaxHeadDim)
            throw new ArgumentException($"{op}: head size {headDim} exceeds the GPU kernel's {AttentionParams.MaxHeadDim}");
        RequireCount(k, q.Count, op);
        RequireCount(v, q.Count, op);
        RequireCount(output, q.Count, op);
        RequireCount(logSumExp, (long)batch * heads * seq, op);
        if (mask != null && (mask.DType != DType.I32 || mask.Count != (long)batch * seq))
            throw new ArgumentException($"{op}: mask must be I32 [{batch}, {seq}], got {mask.DType} {mask.Shape}");
        return new AttentionParams(batch, seq, heads, headDim, scale, dropout.Active ? dropout.P : 0f, dropout.Seed, dropout.Offset,
            mask == null ? 0 : 1);
    }
}
