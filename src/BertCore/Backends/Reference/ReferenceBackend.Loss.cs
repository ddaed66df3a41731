using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// Mean cross-entropy of logits [n, v] against targets [n], skipping rows whose target is ignoreIndex:
    /// loss = mean over kept rows of (log Σ_j exp(logits_j) − logits_target), 0 when no row is kept. Returns [1].
    /// </summary>
    public static double[] CrossEntropy(double[] logits, int n, int v, int[] targets, int ignoreIndex)
    {
        double total = 0;
        int kept = 0;
        for (int r = 0; r < n; r++)
        {
            if (targets[r] == ignoreIndex) continue;
            total += LogSumExp(logits.AsSpan(r * v, v)) - logits[r * v + targets[r]];
            kept++;
        }
        return [kept == 0 ? 0 : total / kept];
    }

    /// <inheritdoc/>
    // logits [N, V]; targets I32 [N]; loss [1]; logSumExp [N] (0 for ignored rows); keptCount [1]
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount)
    {
        var s = LossShape.CrossEntropy(logits, targets, loss, logSumExp, keptCount);
        var t = CheckedTargets("CrossEntropy", targets, s.Classes, ignoreIndex);
        var x = Read(logits);
        var lse = new double[s.Rows];
        for (int r = 0; r < s.Rows; r++)
            if (t[r] != ignoreIndex) lse[r] = LogSumExp(x.AsSpan(r * s.Classes, s.Classes));
        Write(CrossEntropy(x, s.Rows, s.Classes, t, ignoreIndex), loss);
        Write(lse, logSumExp);
        Write([t.Count(target => target != ignoreIndex)], keptCount);
    }

    /// <inheritdoc/>
    // logits, dlogits [N, V]; targets I32 [N]; logSumExp [N] (unused: the reference recomputes it); keptCount, dloss [1]
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits)
    {
        var s = LossShape.CrossEntropyBackward(logits, targets, logSumExp, keptCount, dloss, dlogits);
        var t = CheckedTargets("CrossEntropyBackward", targets, s.Classes, ignoreIndex);
        double kept = keptCount.Span[0];
        if (kept == 0) return;
        double scale = dloss.Span[0] / kept;
        var softmax = Softmax(Read(logits), s.Rows, s.Classes);
        var g = new double[softmax.Length];
        for (int r = 0; r < s.Rows; r++)
        {
            if (t[r] == ignoreIndex) continue;
            for (int j = 0; j < s.Classes; j++) g[r * s.Classes + j] = scale * (softmax[r * s.Classes + j] - (j == t[r] ? 1 : 0));
        }
        AddTo(g, dlogits);
    }

    /// <summary>The targets, or an ArgumentOutOfRangeException naming the first kept one outside [0, classes). targets I32 [N].</summary>
    private static int[] CheckedTargets(string op, Tensor targets, int classes, int ignoreIndex)
    {
        var values = targets.ToIntArray();
        for (int r = 0; r < values.Length; r++)
            if (values[r] != ignoreIndex && (uint)values[r] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(targets),
                    $"{op}: target {values[r]} at row {r} is outside [0, {classes}) and is not the ignore index {ignoreIndex}");
        return values;
    }
}
