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
        y.Data[0] = SquaredSum(x);
    }

    // tensors: any shapes; squares [≥ tensors.Count]
    public void SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares)
    {
        if (squares.Count < tensors.Count) throw new ArgumentException($"SumsOfSquares: {tensors.Count} tensors, {squares.Count} slots");
        for (int i = 0; i < tensors.Count; i++) squares.Data[i] = SquaredSum(tensors[i]);
    }

    /// <summary>Σ x², summed by <see cref="Simd.Sum"/> and rounded to fp32 (x any shape).</summary>
    private static float SquaredSum(Tensor x) => (float)Simd.Sum(x.Data, x.Count, squares: true);

    // squares [n]; normAndScale [2]; losses [m] or null
    public void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale, Tensor? losses = null)
    {
        OpChecks.RequireCount(normAndScale, 2, "ClipScale");
        double sum = 0;
        for (long i = 0; i < squares.Count; i++) sum += squares.Data[i];
        bool lossesFinite = true;
        for (long i = 0; i < (losses?.Count ?? 0); i++) lossesFinite &= float.IsFinite(losses!.Data[i]);
        double norm = Math.Sqrt(sum);
        normAndScale.Data[0] = (float)norm;
        normAndScale.Data[1] = !double.IsFinite(norm) || !lossesFinite ? float.NaN : maxNorm <= 0 ? 1f : (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
    }
}
