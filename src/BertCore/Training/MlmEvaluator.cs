using BertCore.Autograd;
using BertCore.Data;
using BertCore.Nn.Heads;

namespace BertCore.Training;

/// <summary>
/// Held-out masked-LM evaluation: for each masked position (label ≠ -100) the MLM head's logits are computed
/// (only at those rows), the argmax is compared with the label, and the cross-entropy is summed. Runs without
/// recording gradients and with dropout off; leaves the graph's training flag and RNG position as they were.
/// </summary>
public static class MlmEvaluator
{
    /// <summary>Scores the next <paramref name="batches"/> batches of <paramref name="source"/>.</summary>
    public static MlmEvaluation Evaluate(Graph g, BertForPreTraining model, IPretrainingBatchSource source, int batches)
    {
        var mlm = model.Mlm ?? throw new InvalidOperationException("the model has no MLM head to evaluate");
        bool training = g.Training;
        g.Training = false;
        long masked = 0, correct = 0;
        double lossSum = 0;
        float[] logits = [];
        Span<float> scalar = stackalloc float[1];
        try
        {
            using var noGrad = g.NoGrad();
            for (int i = 0; i < batches; i++)
            {
                var batch = source.Next();
                var (positions, targets) = MaskedPositions(batch.MlmLabels);
                if (positions.Length == 0) continue;
                var h = model.Bert.Forward(g, batch.Inputs).LastHiddenState;          // [B, S, H]
                var flat = g.Reshape(h, checked((int)h.Shape.Rows), h.Shape.Last);   // [B·S, H]
                var picked = g.GatherRows(flat, g.Input(positions, positions.Length)); // [M, H]
                var rowLogits = mlm.Forward(g, picked);                                // [M, V]
                g.Backend.Download(g.CrossEntropy(rowLogits, g.Input(targets, targets.Length)), scalar);
                lossSum += (double)scalar[0] * positions.Length;
                int vocab = rowLogits.Shape.Last;
                if (logits.Length < positions.Length * vocab) logits = new float[positions.Length * vocab];
                g.Backend.Download(rowLogits, logits.AsSpan(0, positions.Length * vocab));
                for (int r = 0; r < positions.Length; r++)
                    if (ArgMax(logits.AsSpan(r * vocab, vocab)) == targets[r]) correct++;
                masked += positions.Length;
                g.Reset();
            }
        }
        finally
        {
            g.Reset();
            g.Training = training;
        }
        if (masked == 0) throw new InvalidOperationException($"the {batches} evaluation batches hold no masked position");
        double meanLoss = lossSum / masked;
        return new MlmEvaluation((double)correct / masked, Math.Exp(meanLoss), meanLoss, masked);
    }

    /// <summary>Flat positions whose label is not -100, and those labels.</summary>
    private static (int[] Positions, int[] Targets) MaskedPositions(int[] labels)
    {
        int count = 0;
        foreach (var l in labels) if (l != MlmHead.IgnoreIndex) count++;
        var positions = new int[count];
        var targets = new int[count];
        for (int i = 0, k = 0; i < labels.Length; i++)
        {
            if (labels[i] == MlmHead.IgnoreIndex) continue;
            positions[k] = i;
            targets[k++] = labels[i];
        }
        return (positions, targets);
    }

    /// <summary>Index of the largest value (the first one on ties, as torch.argmax).</summary>
    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
