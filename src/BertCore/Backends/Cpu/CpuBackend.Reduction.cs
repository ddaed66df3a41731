using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Sum(Tensor x, Tensor y, float alpha = 1f)
    {
        OpChecks.RequireCount(y, 1, "Sum");
        y.Data[0] = (float)(Simd.Sum(x.Data, x.Count) * alpha);
    }

    public void SumOfSquares(Tensor x, Tensor y)
    {
        OpChecks.RequireCount(y, 1, "SumOfSquares");
        y.Data[0] = (float)Simd.Sum(x.Data, x.Count, squares: true);
    }
}
