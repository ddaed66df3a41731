using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>[1]: a stored shape, because a constant passed to a params span allocates in Debug builds
    /// (RuntimeHelpers.CreateSpan is not expanded by unoptimized code), and tests run Debug builds.</summary>
    private static readonly Shape OneElement = new(1);

    /// <summary>Sum of all elements: returns [1].</summary>
    public Tensor Sum(Tensor x) => Reduce(x, 1f);

    /// <summary>Mean of all elements: returns [1].</summary>
    public Tensor Mean(Tensor x) => Reduce(x, 1f / Math.Max(x.Count, 1));

    private Tensor Reduce(Tensor x, float alpha)
    {
        var y = Arena.Allocate(OneElement);
        Backend.Sum(x, y, alpha);
        if (Tracks(x)) Record(_sums, y, new SumSaved(x, alpha));
        return y;
    }

    /// <summary>What Sum's (and Mean's) backward needs: the input x (for its gradient) and the factor (1, or 1/n).</summary>
    private readonly record struct SumSaved(Tensor X, float Alpha) : ISavedOp<SumSaved>
    {
        public static void Backward(Graph graph, Tensor output, in SumSaved s)
        {
            var dx = graph.GradOf(s.X);
            if (dx != null) graph.Backend.AddScalarInto(output.Grad!, dx, s.Alpha);
        }
    }

    private readonly TapeSlots<SumSaved> _sums = new();

    /// <summary>
    /// Cross-entropy of logits against integer targets, as torch.nn.functional.cross_entropy: logits [N, V],
    /// targets I32 [N]; rows whose target is <paramref name="ignoreIndex"/> are skipped; returns the mean over the
    /// kept rows, [1].
    /// </summary>
    public Tensor CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex = -100)
    {
        if (logits.Shape.Rank != 2 || targets.DType != DType.I32 || targets.Count != logits.Shape[0])
            throw new ArgumentException($"CrossEntropy: logits must be [N, V] and targets I32 [N]; got {logits.Shape} and {targets.DType} {targets.Shape}");
        var loss = Arena.Allocate(OneElement);
        var logSumExp = Arena.Allocate(logits.Shape[0]);
        var kept = Arena.Allocate(OneElement);
        Backend.CrossEntropy(logits, targets, ignoreIndex, loss, logSumExp, kept);
        if (Tracks(logits)) Record(_crossEntropies, loss, new CrossEntropySaved(logits, targets, logSumExp, kept, ignoreIndex));
        return loss;
    }

    /// <summary>What CrossEntropy's backward needs: logits [N, V], targets I32 [N], the saved logSumExp [N] and kept
    /// count [1], and the ignored target value.</summary>
    private readonly record struct CrossEntropySaved(Tensor Logits, Tensor Targets, Tensor LogSumExp, Tensor KeptCount, int IgnoreIndex)
        : ISavedOp<CrossEntropySaved>
    {
        public static void Backward(Graph graph, Tensor output, in CrossEntropySaved s)
        {
            var dLogits = graph.GradOf(s.Logits);
            if (dLogits != null)
                graph.Backend.CrossEntropyBackward(s.Logits, s.Targets, s.IgnoreIndex, s.LogSumExp, s.KeptCount, output.Grad!, dLogits);
        }
    }

    private readonly TapeSlots<CrossEntropySaved> _crossEntropies = new();
}
