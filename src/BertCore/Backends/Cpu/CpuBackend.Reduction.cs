using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Sum(Tensor x, Tensor y, float alpha = 1f)
    {
        var s = ReductionShape.Sum(x, y);
        y.Data[0] = (float)(Simd.Sum(x.Data, s.Count) * alpha);
    }

    public void SumOfSquares(Tensor x, Tensor y)
    {
        ReductionShape.SumOfSquares(x, y);
        y.Data[0] = SquaredSum(x);
    }

    // tensors: any shapes; squares [≥ tensors.Count]
    public void SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares)
    {
        ReductionShape.SumsOfSquares(tensors, squares);
        for (int i = 0; i < tensors.Count; i++) squares.Data[i] = SquaredSum(tensors[i]);
    }

    /// <summary>Σ x², summed by <see cref="Simd.Sum"/> and rounded to fp32 (x any shape).</summary>
    private static float SquaredSum(Tensor x) => (float)Simd.Sum(x.Data, x.Count, squares: true);

    // squares [n]; normAndScale [2]; losses [m] or null
    public void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale, Tensor? losses = null)
    {
        OptimizerShape.ClipScale(squares, normAndScale, losses);
        double sum = 0;
        for (long i = 0; i < squares.Count; i++) sum += squares.Data[i];
        bool lossesFinite = true;
        for (long i = 0; i < (losses?.Count ?? 0); i++) lossesFinite &= float.IsFinite(losses!.Data[i]);
        double norm = Math.Sqrt(sum);
        normAndScale.Data[0] = (float)norm;
        normAndScale.Data[1] = !double.IsFinite(norm) || !lossesFinite ? float.NaN : maxNorm <= 0 ? 1f : (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
    }
}
