namespace BertCore.Metrics;

/// <summary>Metrics of single-label classification over class ids (GLUE: accuracy, MRPC F1, CoLA Matthews).</summary>
public static class ClassificationMetrics
{
    /// <summary>Fraction of rows whose prediction equals the reference (scikit-learn <c>accuracy_score</c>).</summary>
    /// <exception cref="ArgumentException">Lists of different or zero length.</exception>
    public static double Accuracy(IReadOnlyList<int> references, IReadOnlyList<int> predictions)
    {
        Check(references, predictions);
        int correct = 0;
        for (int i = 0; i < references.Count; i++)
            if (references[i] == predictions[i])
                correct++;
        return (double)correct / references.Count;
    }

    /// <summary>
    /// F1 of the class <paramref name="positive"/>, 2·TP / (2·TP + FP + FN) (scikit-learn <c>f1_score</c> with
    /// <c>average="binary"</c>; 0 when there is neither a true nor a predicted positive). GLUE's MRPC F1 uses
    /// positive = the id of label "1" (paraphrase).
    /// </summary>
    public static double BinaryF1(IReadOnlyList<int> references, IReadOnlyList<int> predictions, int positive = 1)
    {
        Check(references, predictions);
        int tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < references.Count; i++)
        {
            bool isRef = references[i] == positive, isPred = predictions[i] == positive;
            if (isRef && isPred) tp++;
            else if (isPred) fp++;
            else if (isRef) fn++;
        }
        return tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /// <summary>
    /// Matthews correlation coefficient over any number of classes (scikit-learn <c>matthews_corrcoef</c>):
    /// (c·s − Σ t_k p_k) / √((s² − Σ p_k²)(s² − Σ t_k²)) with c correct rows, s rows, t_k and p_k the reference and
    /// predicted counts of class k; 0 when either factor under the root is 0.
    /// </summary>
    public static double MatthewsCorrelation(IReadOnlyList<int> references, IReadOnlyList<int> predictions)
    {
        Check(references, predictions);
        var t = new Dictionary<int, long>();
        var p = new Dictionary<int, long>();
        long correct = 0, s = references.Count;
        for (int i = 0; i < references.Count; i++)
        {
            t[references[i]] = t.GetValueOrDefault(references[i]) + 1;
            p[predictions[i]] = p.GetValueOrDefault(predictions[i]) + 1;
            if (references[i] == predictions[i])
                correct++;
        }
        double tp = t.Sum(kv => (double)kv.Value * p.GetValueOrDefault(kv.Key));
        double covYtYp = (double)correct * s - tp;
        double covYpYp = (double)s * s - p.Values.Sum(v => (double)v * v);
        double covYtYt = (double)s * s - t.Values.Sum(v => (double)v * v);
        return covYpYp * covYtYt == 0 ? 0.0 : covYtYp / Math.Sqrt(covYtYt * covYpYp);
    }

    internal static void Check<T>(IReadOnlyList<T> references, IReadOnlyList<T> predictions)
    {
        if (references.Count != predictions.Count)
            throw new ArgumentException($"{predictions.Count} predictions for {references.Count} references.", nameof(predictions));
        if (references.Count == 0)
            throw new ArgumentException("No rows to score.", nameof(references));
    }
}
