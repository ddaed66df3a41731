using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) => throw new NotImplementedException();
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta) => throw new NotImplementedException();
    public void Softmax(Tensor x, Tensor y) => throw new NotImplementedException();
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => throw new NotImplementedException();
}
