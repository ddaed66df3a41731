using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Text;

namespace BertCore.Training.FineTuning.Similarity;

/// <summary>
/// similarity data: each pair (or anchor, positive, hard negative) encoded as separate single sentences, truncated
/// to the spec's length; a feature's length (what batches are bucketed by) is that of its longest sentence.
/// </summary>
public sealed class SimilarityTaskData : TaskData
{
    private readonly Encoding[][] _features;
    private readonly float[]? _scores;
    private readonly int[] _lengths;

    /// <summary>Encodes every sentence of <paramref name="file"/>.</summary>
    /// <exception cref="BertCore.IO.InvalidFileException">The data does not fit the spec's loss: scores for
    /// multiple-negatives ranking, none for cosine or CoSENT, or a score outside [0, MaxScore] for cosine.</exception>
    public SimilarityTaskData(TaskFile file, TaskSpec spec, BertTokenizer tokenizer) : base(file, spec, tokenizer.Vocabulary.PadId)
    {
        var pairs = file.Similarities ?? throw new ArgumentException($"{file.Source} holds no sentence pairs", nameof(file));
        var loss = spec.Loss ?? throw new ArgumentException("a similarity spec needs a loss", nameof(spec));
        if (loss.NeedsScores() != pairs.Scored)
            throw new BertCore.IO.InvalidFileException(file.Source, pairs.Examples[0].Line, pairs.Scored
                ? $"holds scored pairs; the {loss.Name()} loss learns from pairs without scores (use cosine or cosent)"
                : $"holds pairs without scores; the {loss.Name()} loss needs a score column (use mnrl)");
        if (loss == SimilarityLoss.Cosine && pairs.Examples.FirstOrDefault(e => e.Score is < 0 || e.Score > spec.MaxScore) is { } outside)
            throw new BertCore.IO.InvalidFileException(file.Source, outside.Line, $"score {outside.Score} is outside [0, {spec.MaxScore}] (the cosine loss's target is score / max score)");
        _features = pairs.Examples.Select(e => (e.Negative == null ? new[] { e.Anchor, e.Positive } : [e.Anchor, e.Positive, e.Negative])
            .Select(text => tokenizer.Encode(text, null, spec.MaxSequenceLength, Truncation.LongestFirst)).ToArray()).ToArray();
        _scores = pairs.Scored ? pairs.Examples.Select(e => e.Score!.Value).ToArray() : null;
        _lengths = _features.Select(f => f.Max(e => e.Length)).ToArray();
    }

    /// <summary>Sentences per feature: 2, or 3 with hard negatives.</summary>
    public int Columns => _features[0].Length;

    public override IReadOnlyList<int> Lengths => _lengths;

    /// <summary>Always true: scores or the pairing itself are the targets.</summary>
    public override bool IsLabeled => true;

    public override TaskBatch Batch(int[] rows, bool withTargets = true)
    {
        var batch = TaskBatches.Sentences(_features, _scores, rows, PadId);
        return withTargets ? batch : WithoutTargets(batch);
    }

    /// <summary>The cosine of each feature's first two sentence vectors (<see cref="TaskOutputs.Logits"/> rows [k·H]).</summary>
    public double[] Cosines(TaskOutputs outputs)
    {
        RequireRows(outputs);
        return outputs.Logits.Select(row =>
        {
            int width = row.Length / Columns;
            return Cosine(row.AsSpan(0, width), row.AsSpan(width, width));
        }).ToArray();
    }

    /// <summary>
    /// Spearman and Pearson correlation of the cosines with the scores (NaN without scores), and recall@1 of
    /// retrieval: the fraction of features whose second sentence is the nearest (by cosine; the first on ties) of
    /// all features' second sentences to its first sentence.
    /// </summary>
    public override TaskScores Score(TaskOutputs outputs)
    {
        var cosines = Cosines(outputs);
        double spearman = double.NaN, pearson = double.NaN;
        if (_scores != null)
        {
            var truth = _scores.Select(s => (double)s).ToArray();
            spearman = Correlation.Spearman(truth, cosines);
            pearson = Correlation.Pearson(truth, cosines);
        }
        return new TaskScores(Spec.Task, [new("spearman", spearman), new("pearson", pearson), new("recall_at_1", RecallAt1(outputs))], outputs.Loss, Count);
    }

    private double RecallAt1(TaskOutputs outputs)
    {
        int n = Count, width = outputs.Logits[0].Length / Columns;
        var unit = new float[n][];
        var second = new float[n][];
        for (int i = 0; i < n; i++)
        {
            unit[i] = Normalized(outputs.Logits[i].AsSpan(0, width));
            second[i] = Normalized(outputs.Logits[i].AsSpan(width, width));
        }
        int hits = 0;
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            float bestDot = float.NegativeInfinity;
            for (int j = 0; j < n; j++)
            {
                float dot = System.Numerics.Tensors.TensorPrimitives.Dot(unit[i], second[j]);
                if (dot > bestDot) (best, bestDot) = (j, dot);
            }
            hits += best == i ? 1 : 0;
        }
        return (double)hits / n;
    }

    private static float[] Normalized(ReadOnlySpan<float> x)
    {
        var y = x.ToArray();
        float norm = Math.Max(System.Numerics.Tensors.TensorPrimitives.Norm(y), 1e-12f);
        System.Numerics.Tensors.TensorPrimitives.Divide(y, norm, y);
        return y;
    }

    private static double Cosine(ReadOnlySpan<float> u, ReadOnlySpan<float> v)
    {
        double dot = 0, uu = 0, vv = 0;
        for (int d = 0; d < u.Length; d++)
        {
            dot += (double)u[d] * v[d];
            uu += (double)u[d] * u[d];
            vv += (double)v[d] * v[d];
        }
        return dot / (Math.Max(Math.Sqrt(uu), 1e-12) * Math.Max(Math.Sqrt(vv), 1e-12));
    }
}
