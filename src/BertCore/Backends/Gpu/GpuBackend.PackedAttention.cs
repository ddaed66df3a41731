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
}
