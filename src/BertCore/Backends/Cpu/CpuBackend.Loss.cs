using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount) => throw new NotImplementedException();
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits) => throw new NotImplementedException();
}
