using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor probs) => throw new NotImplementedException();
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dOutput, int heads, float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv) => throw new NotImplementedException();
}
