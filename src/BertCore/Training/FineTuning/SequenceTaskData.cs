using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Text;

namespace BertCore.Training.FineTuning;

/// <summary>classify, pair and regress data: one feature per text (or pair), truncated longest-first.</summary>
public sealed class SequenceTaskData : TaskData
{
    private readonly SequenceFeature[] _features;
    private readonly int[] _lengths;

    /// <summary>Encodes every text (or pair) of <paramref name="file"/>, truncated to the spec's length.</summary>
    public SequenceTaskData(TaskFile file, TaskSpec spec, BertTokenizer tokenizer) : base(file, spec, tokenizer.Vocabulary.PadId)
    {
        var examples = file.Sequences ?? throw new ArgumentException($"{file.Source} holds no texts", nameof(file));
        _features = spec.Task == TaskKind.Regress
            ? SequenceFeatures.ForRegression(examples, tokenizer, spec.MaxSequenceLength, file.Source)
            : SequenceFeatures.ForClassification(examples, tokenizer, spec.MaxSequenceLength, spec.Labels!, file.Source);
        _lengths = _features.Select(f => f.Length).ToArray();
        IsLabeled = spec.Task == TaskKind.Regress ? _features.All(f => float.IsFinite(f.Value)) : _features.All(f => f.Label >= 0);
    }

    /// <summary>Unlabelled features given already encoded (e.g. token sequences built by hand, as selective masking's
    /// buffers are): no file, no text, no external features.</summary>
    internal SequenceTaskData(TaskSpec spec, IReadOnlyList<Encoding> encodings, int padId)
        : base(TaskFile.FromSequences(spec.Task, [], "<encoded>"), spec, padId)
    {
        _features = encodings.Select(e => new SequenceFeature(e, -1, float.NaN)).ToArray();
        _lengths = _features.Select(f => f.Length).ToArray();
        IsLabeled = false;
    }

    /// <summary>One feature per example, in file order.</summary>
    public IReadOnlyList<SequenceFeature> Features => _features;
    public override IReadOnlyList<int> Lengths => _lengths;
    public override bool IsLabeled { get; }

    /// <summary>External feature vectors [examples · <see cref="TaskSpec.ExternalFeatures"/>] in example order, put into
    /// each batch's <see cref="TaskBatch.External"/>; null when none are attached.</summary>
    public float[]? External { get; private set; }

    /// <summary>Attaches each example's row of <paramref name="features"/> (the spec's width is required).</summary>
    /// <exception cref="BertCore.IO.InvalidFileException">The file's width differs from the spec's, or an example has no row.</exception>
    public void AttachExternal(Representations.ExternalFeatures features) =>
        AttachExternal(features.For(File.Sequences!, File.Source, Spec.ExternalFeatures));

    /// <summary>Attaches external features given in memory: [examples · <see cref="TaskSpec.ExternalFeatures"/>] in example order.</summary>
    /// <exception cref="ArgumentException">The table does not hold one row of the spec's width per example.</exception>
    public void AttachExternal(float[] table)
    {
        if (Spec.ExternalFeatures == 0 || table.Length != _features.Length * Spec.ExternalFeatures)
            throw new ArgumentException($"{table.Length} external feature values for {_features.Length} examples of a model that takes {Spec.ExternalFeatures} per example");
        External = table;
    }

    public override TaskBatch Batch(int[] rows, bool withTargets = true)
    {
        var batch = Spec.Task == TaskKind.Regress
            ? TaskBatches.Regression(_features, rows, PadId)
            : TaskBatches.Classification(_features, rows, PadId);
        if (External is { } table)
        {
            int width = Spec.ExternalFeatures;
            var external = new float[rows.Length * width];
            for (int b = 0; b < rows.Length; b++) table.AsSpan(rows[b] * width, width).CopyTo(external.AsSpan(b * width));
            batch = batch with { External = external };
        }
        return withTargets ? batch : WithoutTargets(batch);
    }

    /// <summary>classify, pair: the arg-max class of each example (the first on ties) and its softmax probability.</summary>
    public ClassPrediction[] Classes(TaskOutputs outputs)
    {
        RequireRows(outputs);
        var labels = Spec.Labels ?? throw new InvalidOperationException("regression predicts values, not classes");
        return outputs.Logits.Select(logits =>
        {
            int id = TokenFeatures.ArgMax(logits);
            double sum = logits.Sum(l => Math.Exp(l - logits[id]));
            return new ClassPrediction(id, labels[id], 1.0 / sum);
        }).ToArray();
    }

    /// <summary>regress: the predicted value of each example.</summary>
    public float[] Values(TaskOutputs outputs)
    {
        RequireRows(outputs);
        if (Spec.Task != TaskKind.Regress) throw new InvalidOperationException("classification predicts classes, not values");
        return outputs.Logits.Select(l => l[0]).ToArray();
    }

    /// <summary>
    /// classify: accuracy. pair: accuracy and F1 — of the positive class for two labels (label "1", else
    /// "entailment", else the label with id 1), the mean of every class's F1 (macro) for more. regress: Pearson and
    /// Spearman correlation.
    /// </summary>
    public override TaskScores Score(TaskOutputs outputs)
    {
        RequireLabels();
        int n = _features.Length;
        if (Spec.Task == TaskKind.Regress)
        {
            double[] truth = _features.Select(f => (double)f.Value).ToArray();
            double[] predicted = Values(outputs).Select(v => (double)v).ToArray();
            return new TaskScores(Spec.Task, [new("pearson", Correlation.Pearson(truth, predicted)), new("spearman", Correlation.Spearman(truth, predicted))],
                outputs.Loss, n);
        }
        int[] references = _features.Select(f => f.Label).ToArray();
        int[] predictions = Classes(outputs).Select(c => c.Id).ToArray();
        var values = new List<KeyValuePair<string, double>> { new("accuracy", ClassificationMetrics.Accuracy(references, predictions)) };
        if (Spec.Task == TaskKind.Pair) values.Add(new("f1", F1(references, predictions, Spec.Labels!)));
        return new TaskScores(Spec.Task, values, outputs.Loss, n);
    }

    private static double F1(int[] references, int[] predictions, LabelVocabulary labels)
    {
        if (labels.Count > 2)
            return Enumerable.Range(0, labels.Count).Average(k => ClassificationMetrics.BinaryF1(references, predictions, k));
        int positive = labels.TryGetId("1", out int one) ? one : labels.TryGetId("entailment", out int entailment) ? entailment : 1;
        return ClassificationMetrics.BinaryF1(references, predictions, positive);
    }
}
