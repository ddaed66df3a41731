using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The size of one whole-tensor reduction (<see cref="IBackend.Sum"/>, <see cref="IBackend.SumOfSquares"/>,
/// <see cref="IBackend.SumsOfSquares"/>): Count elements summed (the largest tensor for the many-tensor form).
/// One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct ReductionShape(long Count)
{
    // x any shape; y [1]
    public static ReductionShape Sum(Tensor x, Tensor y) => Of("Sum", x, y);

    // x any shape; y [1]
    public static ReductionShape SumOfSquares(Tensor x, Tensor y) => Of("SumOfSquares", x, y);

    // tensors any shapes; squares [≥ tensors.Count]
    public static ReductionShape SumsOfSquares(IReadOnlyList<Tensor> tensors, Tensor squares)
    {
        OpChecks.Float("SumsOfSquares", "squares", squares);
        if (squares.Count < tensors.Count) throw new ArgumentException($"SumsOfSquares: {tensors.Count} tensors, squares {squares.Shape} has {squares.Count} slots");
        long largest = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            if (tensors[i].DType != DType.F32) throw new ArgumentException($"SumsOfSquares: tensors[{i}] {tensors[i].Shape} holds {tensors[i].DType}, not F32");
            largest = Math.Max(largest, tensors[i].Count);
        }
        return new(largest);
    }

    private static ReductionShape Of(string op, Tensor x, Tensor y)
    {
        OpChecks.Float(op, "x", x);
        OpChecks.Floats(op, "y", y, 1);
        return new(x.Count);
    }
}
