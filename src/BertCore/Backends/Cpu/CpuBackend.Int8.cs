using BertCore.Backends.Cpu.Int8;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>
    /// y = x · Wᵀ + b (then GELU when <paramref name="gelu"/>) with W quantized to int8 per output channel and each row
    /// of x quantized on the fly (<see cref="Int8Gemm"/>). x [R, K]; bias [N] or null; y [R, N]. Inference only: no backward.
    /// </summary>
    internal void QuantizedLinear(Tensor x, QuantizedWeights weight, Tensor? bias, Tensor y, bool gelu)
    {
        if (x.Shape.Rank != 2 || x.Shape[1] != weight.K || y.Shape.Rank != 2 || y.Shape[0] != x.Shape[0] || y.Shape[1] != weight.N)
            throw new ArgumentException($"int8 Linear: x {x.Shape} and y {y.Shape} do not fit a weight [{weight.N}, {weight.K}]");
        if (bias != null && (bias.Shape.Rank != 1 || bias.Shape[0] != weight.N))
            throw new ArgumentException($"int8 Linear: bias {bias.Shape} does not fit a weight [{weight.N}, {weight.K}]");
        Int8Gemm.Run(_pool, _int8Path ?? Int8Probe.Fastest, x.Data, x.Shape[0], weight, bias == null ? null : bias.Data, y.Data, gelu);
    }
}
