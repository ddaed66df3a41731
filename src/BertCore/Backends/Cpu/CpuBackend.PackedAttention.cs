using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // q, k, v, output [T, H·D] (head h in columns h·D .. h·D+D-1); offsets I32 [N+1]; logSumExp [T·H]
    public void PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        var s = PackedAttentionShape.Of(q, k, v, offsets, output, logSumExp, heads);
        int[] o = s.Sequences(offsets);
        long squares = 0;
        for (int n = 0; n < s.Count; n++) squares += (long)(o[n + 1] - o[n]) * (o[n + 1] - o[n]);
        if (squares == 0) return;
        // Each (sequence, head) pair is the padded kernel's batch of one over that sequence's rows alone: the same
        // tiles whatever the neighbours, so the bits do not depend on how sequences were grouped.
        var job = new PackedAttentionJob(q.Data, k.Data, v.Data, output.Data, logSumExp.Data, o, s, scale);
        _pool.For(s.Count * heads, squares / s.Count * s.HeadDim, ref job, itemPerChunk: true);
    }

    /// <summary>(sequence, head) pairs [start, end), item = n·H + h, each through <see cref="AttentionKernel.Forward"/>.</summary>
    private readonly struct PackedAttentionJob(float* q, float* k, float* v, float* output, float* logSumExp, int[] offsets,
        PackedAttentionShape s, float scale) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                int n = item / s.Heads, from = offsets[n], length = offsets[n + 1] - from;
                if (length == 0) continue;
                long rows = (long)from * s.Width;
                var a = new AttentionArgs(q + rows, k + rows, v + rows, null, output + rows, logSumExp + (long)from * s.Heads,
                    1, length, s.Heads, s.Width, scale, Backends.Dropout.None);
                AttentionKernel.Forward(a, item % s.Heads);
            }
        }
    }
}
