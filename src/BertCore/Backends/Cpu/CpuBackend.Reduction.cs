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

    // squares [n]; normAndScale [2]
    public void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale)
    {
        OpChecks.RequireCount(normAndScale, 2, "ClipScale");
        double sum = 0;
        for (long i = 0; i < squares.Count; i++) sum += squares.Data[i];
        double norm = Math.Sqrt(sum);
        normAndScale.Data[0] = (float)norm;
        normAndScale.Data[1] = !double.IsFinite(norm) ? float.NaN : maxNorm <= 0 ? 1f : (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
    }
}
