using BertCore.Backends.Cpu;
using BertCore.Backends.Cpu.Int8;
using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// <see cref="Linear"/> in int8, for inference: x [..., K] → y [..., N] = x · Wᵀ + b (then GELU), with W quantized
    /// ([N, K]), bias [N] or null. CPU backend only; no backward (the output is never on the tape).
    /// </summary>
    /// <exception cref="NotSupportedException">Another backend.</exception>
    /// <exception cref="InvalidOperationException">x or the bias requires a gradient.</exception>
    internal Tensor QuantizedLinear(Tensor x, QuantizedWeights weight, Tensor? bias, bool gelu)
    {
        if (Backend is not CpuBackend cpu) throw new NotSupportedException($"int8 inference runs on the CPU backend only, not on {Backend.Name}");
        if (Tracks(x, bias)) throw new InvalidOperationException("an int8 Linear has no backward: quantize only a model frozen for inference");
        if (x.Shape.Last != weight.K) throw new ArgumentException($"int8 Linear: input {x.Shape} does not match weight [{weight.N}, {weight.K}]");
        int rows = checked((int)x.Shape.Rows);
        var y = Arena.Allocate(x.Shape.With(-1, weight.N));
        cpu.QuantizedLinear(Arena.View(x, new Shape(rows, weight.K)), weight, bias, Arena.View(y, new Shape(rows, weight.N)), gelu);
        return y;
    }
}
