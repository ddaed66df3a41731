using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Text;

namespace BertCore.Training.FineTuning;

/// <summary>qa data: one feature per context window of each question (document stride).</summary>
public sealed class QaTaskData : TaskData
{
    private readonly QaFeature[] _features;
    private readonly int[] _lengths;

    /// <summary>Cuts every question of <paramref name="file"/> into windows as <paramref name="spec"/> says.</summary>
    public QaTaskData(TaskFile file, TaskSpec spec, BertTokenizer tokenizer) : base(file, spec, tokenizer.Vocabulary.PadId)
    {
        var questions = file.Questions ?? throw new ArgumentException($"{file.Source} holds no questions", nameof(file));
        _features = QaFeatures.Convert(questions, tokenizer, spec.QaFeatureOptions);
        _lengths = _features.Select(f => f.Length).ToArray();
        IsLabeled = questions.All(q => q.Answers.Count > 0);
    }

    /// <summary>The windows, in question then window order.</summary>
    public IReadOnlyList<QaFeature> Features => _features;
    public override IReadOnlyList<int> Lengths => _lengths;
    public override bool IsLabeled { get; }

    public override TaskBatch Batch(int[] rows, bool withTargets = true)
    {
        var batch = TaskBatches.Qa(_features, rows, PadId);
        return withTargets ? batch : WithoutTargets(batch);
    }

    /// <summary>The best answer span of each question over all its windows, with the n-best list.</summary>
    public QaPrediction[] Answers(TaskOutputs outputs)
    {
        RequireRows(outputs);
        var end = outputs.EndLogits ?? throw new ArgumentException("QA outputs need end logits", nameof(outputs));
        return QaPostprocessor.Predict(File.Questions!, _features, outputs.Logits, end, Spec.QaPostprocessOptions);
    }

    /// <summary>Exact match and F1 in percent, by the official SQuAD v1.1 evaluation.</summary>
    public override TaskScores Score(TaskOutputs outputs)
    {
        RequireLabels();
        var predictions = Answers(outputs).ToDictionary(p => p.Id, p => p.Best.Text);
        var references = File.Questions!.Select(q => (q.Id, (IReadOnlyList<string>)q.Answers.Select(a => a.Text).ToArray())).ToArray();
        var scores = SquadV1.Evaluate(references, predictions);
        return new TaskScores(Spec.Task, [new("exact_match", scores.ExactMatch), new("f1", scores.F1)], outputs.Loss, references.Length);
    }
}
