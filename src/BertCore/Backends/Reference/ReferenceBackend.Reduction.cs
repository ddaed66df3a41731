using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>Σ x. x [n].</summary>
    public static double Sum(double[] x) => x.Sum();

    /// <summary>Σ x². x [n].</summary>
    public static double SumOfSquares(double[] x) => x.Sum(v => v * v);

    /// <inheritdoc/>
    // x any shape; y [1]
    public void Sum(Tensor x, Tensor y, float alpha = 1f)
    {
        ReductionShape.Sum(x, y);
        Write([alpha * Sum(Read(x))], y);
    }

    /// <inheritdoc/>
    // x any shape; y [1]
    public void SumOfSquares(Tensor x, Tensor y)
    {
        ReductionShape.SumOfSquares(x, y);
        Write([SumOfSquares(Read(x))], y);
    }

    /// <inheritdoc/>
    // tensors any shapes; squares [≥ tensors.Count]
    public void SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares)
    {
        ReductionShape.SumsOfSquares(tensors, squares);
        for (int i = 0; i < tensors.Count; i++) squares.Span[i] = (float)SumOfSquares(Read(tensors[i]));
    }
}
