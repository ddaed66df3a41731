using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // q, k, v, output [T, H·D] (head h in columns h·D .. h·D+D-1); offsets I32 [N+1]; logSumExp [T·H]
    public void PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp) =>
        PackedAttention(PackedAttentionShape.Of(q, k, v, offsets, output, logSumExp, heads), q.Data, k.Data, v.Data, q.Shape[1],
            offsets, scale, output, logSumExp);

    // qkv [T, 3·H·D] (q, k, v column blocks, read in place: rows 3·H·D apart); offsets I32 [N+1]; output [T, H·D]; logSumExp [T·H]
    public void PackedAttentionQkv(Tensor qkv, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        var s = PackedAttentionShape.OfQkv(qkv, offsets, output, logSumExp, heads);
        float* q = qkv.Data;
        PackedAttention(s, q, q + s.Width, q + 2 * s.Width, 3 * s.Width, offsets, scale, output, logSumExp);
    }

    /// <summary>Packed attention of checked sizes s over q, k, v (rows <paramref name="inputStride"/> apart) into
    /// output [T, H·D] and logSumExp [T·H].</summary>
    private void PackedAttention(PackedAttentionShape s, float* q, float* k, float* v, int inputStride, Tensor offsets, float scale,
        Tensor output, Tensor logSumExp)
    {
        int[] o = s.Sequences(offsets);
        long squares = 0;
        for (int n = 0; n < s.Count; n++) squares += (long)(o[n + 1] - o[n]) * (o[n + 1] - o[n]);
        if (squares == 0) return;
        // Each (sequence, head) pair is the padded kernel's batch of one over that sequence's rows alone: the same
        // tiles whatever the neighbours, so the bits do not depend on how sequences were grouped.
        var job = new PackedAttentionJob(q, k, v, inputStride, output.Data, logSumExp.Data, o, s, scale);
        _pool.For(s.Count * s.Heads, squares / s.Count * s.HeadDim, ref job, itemPerChunk: true);
    }

    /// <summary>(sequence, head) pairs [start, end), item = n·H + h, each through <see cref="AttentionKernel.Forward"/>;
    /// q, k, v rows inputStride apart, output rows H·D apart.</summary>
    private readonly struct PackedAttentionJob(float* q, float* k, float* v, int inputStride, float* output, float* logSumExp, int[] offsets,
        PackedAttentionShape s, float scale) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                int n = item / s.Heads, from = offsets[n], length = offsets[n + 1] - from;
                if (length == 0) continue;
                long inputs = (long)from * inputStride, rows = (long)from * s.Width;
                var a = new AttentionArgs(q + inputs, k + inputs, v + inputs, null, output + rows, logSumExp + (long)from * s.Heads,
                    1, length, s.Heads, s.Width, scale, Backends.Dropout.None, inputStride);
                AttentionKernel.Forward(a, item % s.Heads);
            }
        }
    }
}
