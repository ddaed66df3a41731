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
        if (Tracks(x))
        {
            // T0 = x; F0 = alpha
            ref var e = ref Record(OpCode.Sum, y);
            e.T0 = x; e.F0 = alpha;
        }
        return y;
    }

    private void SumBackward(ref TapeEntry e)
    {
        var dx = GradOf(e.T0);
        if (dx != null) Backend.AddScalarInto(e.Out.Grad!, dx, e.F0);
    }

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
        if (Tracks(logits))
        {
            // T0 = logits, T1 = targets, T2 = logSumExp [N], T3 = kept count [1]; I0 = ignoreIndex
            ref var e = ref Record(OpCode.CrossEntropy, loss);
            e.T0 = logits; e.T1 = targets; e.T2 = logSumExp; e.T3 = kept; e.I0 = ignoreIndex;
        }
        return loss;
    }

    private void CrossEntropyBackward(ref TapeEntry e)
    {
        var dLogits = GradOf(e.T0);
        if (dLogits != null) Backend.CrossEntropyBackward(e.T0!, e.T1!, e.I0, e.T2!, e.T3!, e.Out.Grad!, dLogits);
    }
}
