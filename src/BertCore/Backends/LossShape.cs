using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one fused cross-entropy call: logits [Rows, Classes] (fp32), targets I32 [Rows]. Target values are
/// checked by the backends as they read them. One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct LossShape(int Rows, int Classes)
{
    // logits [N, V]; targets I32 [N]; loss [1]; logSumExp [N]; keptCount [1]
    public static LossShape CrossEntropy(Tensor logits, Tensor targets, Tensor loss, Tensor logSumExp, Tensor keptCount)
    {
        var s = Of("CrossEntropy", logits, targets);
        OpChecks.Floats("CrossEntropy", "loss", loss, 1);
        OpChecks.Floats("CrossEntropy", "logSumExp", logSumExp, s.Rows);
        OpChecks.Floats("CrossEntropy", "keptCount", keptCount, 1);
        return s;
    }

    // logits, dlogits [N, V]; targets I32 [N]; logSumExp [N]; keptCount, dloss [1]
    public static LossShape CrossEntropyBackward(Tensor logits, Tensor targets, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits)
    {
        var s = Of("CrossEntropyBackward", logits, targets);
        OpChecks.Floats("CrossEntropyBackward", "logSumExp", logSumExp, s.Rows);
        OpChecks.Floats("CrossEntropyBackward", "keptCount", keptCount, 1);
        OpChecks.Floats("CrossEntropyBackward", "dloss", dloss, 1);
        OpChecks.Floats("CrossEntropyBackward", "dlogits", dlogits, logits.Count);
        return s;
    }

    private static LossShape Of(string op, Tensor logits, Tensor targets)
    {
        if (logits.Shape.Rank != 2 || targets.DType != DType.I32 || targets.Count != logits.Shape[0])
            throw new ArgumentException($"{op}: logits must be [N, V] and targets I32 [N]; got {logits.Shape} and {targets.DType} {targets.Shape}");
        OpChecks.Float(op, "logits", logits);
        return new(logits.Shape[0], logits.Shape[1]);
    }
}
