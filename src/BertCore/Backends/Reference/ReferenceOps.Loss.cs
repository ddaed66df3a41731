namespace BertCore.Backends.Reference;

public static partial class ReferenceOps
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
            double max = double.NegativeInfinity;
            for (int j = 0; j < v; j++) max = Math.Max(max, logits[r * v + j]);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.Exp(logits[r * v + j] - max);
            total += max + Math.Log(sum) - logits[r * v + targets[r]];
            kept++;
        }
        return [kept == 0 ? 0 : total / kept];
    }
}
