using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // q, k, v, output [B, S, H·D] (head h in columns h·D .. h·D+D-1); mask I32 [B, S] or null; logSumExp [B, H, S]
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor logSumExp)
    {
        var p = Args(AttentionShape.Forward(q, k, v, mask, output, logSumExp, heads, dropout), mask, scale, dropout, "Attention");
        long rows = (long)p.Batch * p.Heads * p.Seq;
        if (rows == 0) return;
        Tiles.Forward(TileLaunch(p), F(q), F(k), F(v), MaskView(mask), F(output), F(logSumExp), p);
    }

    // q, k, v, output, dOutput [B, S, H·D]; mask I32 [B, S] or null; logSumExp [B, H, S];
    // dq, dk, dv [B, S, H·D] (each optional, added into)
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput,
        int heads, float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv)
    {
        var p = Args(AttentionShape.Backward(q, k, v, mask, output, logSumExp, dOutput, heads, dropout, dq, dk, dv), mask, scale, dropout,
            "AttentionBackward");
        long rows = (long)p.Batch * p.Heads * p.Seq;
        if ((dq == null && dk == null && dv == null) || rows == 0) return;
        var delta = Scratch(rows);   // Δ [B, H, S]
        var maskView = MaskView(mask);
        _kernels.AttentionDelta(RowLaunch(rows), F(output), F(dOutput), delta, p);
        if (dq != null)
            Tiles.BackwardQuery(TileLaunch(p), F(q), F(k), F(v), maskView, F(logSumExp), delta, F(dOutput), F(dq), p);
        if (dk != null || dv != null)
            Tiles.BackwardKeyValue(TileLaunch(p), F(q), F(k), F(v), maskView, F(logSumExp), delta, F(dOutput),
                Optional(dk), dk == null ? 0 : 1, Optional(dv), dv == null ? 0 : 1, p);
    }

    /// <summary>Groups of the tiled attention kernels that ptxas was asked to fit on one multiprocessor
    /// (<see cref="AttentionKernels.LaunchBound"/>); 0, the default, sets no bound. Chosen for a measurement with
    /// <see cref="WithAttentionBound{T}"/> (the GPU workbench compares both).</summary>
    internal int AttentionGroupsPerMultiprocessor { get; private set; }

    /// <summary>Runs <paramref name="body"/> with the attention kernels bounded to <paramref name="groupsPerMultiprocessor"/>
    /// resident groups (compiled on first use), then restores the bound before it.</summary>
    internal T WithAttentionBound<T>(int groupsPerMultiprocessor, Func<T> body)
    {
        var saved = AttentionGroupsPerMultiprocessor;
        _kernels.BoundedAttentionTiles(groupsPerMultiprocessor);   // compiled and loaded before any timing
        AttentionGroupsPerMultiprocessor = groupsPerMultiprocessor;
        try { return body(); }
        finally { AttentionGroupsPerMultiprocessor = saved; }
    }

    private AttentionTileKernels Tiles => _kernels.BoundedAttentionTiles(AttentionGroupsPerMultiprocessor);

    /// <summary>One group of 256 threads per (batch, head) and tile of 64 rows.</summary>
    private static KernelConfig TileLaunch(in AttentionParams p) => new(AttentionKernels.Groups(p), AttentionTiles.Threads);

    private ArrayView<int> MaskView(Tensor? mask) => mask == null ? _placeholder.View.AsContiguous().Cast<int>() : I(mask);

    /// <summary>The kernels' parameters for a checked shape; an ArgumentException when the head is wider than the kernels hold.</summary>
    private static AttentionParams Args(AttentionShape shape, Tensor? mask, float scale, Dropout dropout, string op)
    {
        if (shape.HeadDim > AttentionParams.MaxHeadDim)
            throw new ArgumentException($"{op}: head size {shape.HeadDim} exceeds the GPU kernel's {AttentionParams.MaxHeadDim}");
        return new AttentionParams(shape.Batch, shape.Seq, shape.Heads, shape.HeadDim, scale, dropout.Active ? dropout.P : 0f, dropout.Seed, dropout.Offset,
            mask == null ? 0 : 1);
    }
}
