using BertCore.Tensors;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    /// <summary>
    /// Not on the GPU: there is no kernel over ragged sequences yet (the tiled attention kernels take one length for
    /// the whole batch, and launching them once per sequence would cost a launch and a sync per sentence). GPU batches
    /// take the padded path (<see cref="Attention"/> with a mask), as <c>TaskRunner</c> and
    /// <see cref="Nn.Bert.BertEncoder.SupportsPacked"/> decide.
    /// </summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        PackedAttentionShape.Of(q, k, v, offsets, output, logSumExp, heads);
        throw new NotSupportedException("PackedAttention: the GPU backend runs attention on padded batches only (BertEncoder.SupportsPacked)");
    }

    /// <summary>
    /// Not on the GPU: its attention kernels read q, k and v as separate matrices. A model frozen for inference stacks
    /// its query, key and value weights only when they are in host memory (<see cref="Nn.Bert.BertLayer"/>), so GPU
    /// models never call this.
    /// </summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void PackedAttentionQkv(Tensor qkv, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        PackedAttentionShape.OfQkv(qkv, offsets, output, logSumExp, heads);
        throw new NotSupportedException("PackedAttentionQkv: the GPU backend reads q, k and v as separate matrices only");
    }

    /// <summary>Not on the GPU, as <see cref="PackedAttentionQkv"/>.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public void AttentionQkv(Tensor qkv, Tensor? mask, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        AttentionShape.ForwardQkv(qkv, mask, output, logSumExp, heads);
        throw new NotSupportedException("AttentionQkv: the GPU backend reads q, k and v as separate matrices only");
    }
}
