using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null) => throw new NotImplementedException();
    public void SumRowsInto(Tensor dy, Tensor dbias) => throw new NotImplementedException();
}
