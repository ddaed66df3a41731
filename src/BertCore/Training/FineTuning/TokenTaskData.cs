using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Text;

namespace BertCore.Training.FineTuning;

/// <summary>ner data: one feature per sentence, trained and read on each word's first sub-token.</summary>
public sealed class TokenTaskData : TaskData
{
    private readonly TokenFeature[] _features;
    private readonly int[] _lengths;

    /// <summary>Encodes every sentence of <paramref name="file"/>, truncated to the spec's length.</summary>
    public TokenTaskData(TaskFile file, TaskSpec spec, BertTokenizer tokenizer) : base(file, spec, tokenizer.Vocabulary.PadId)
    {
        var sentences = file.Sentences ?? throw new ArgumentException($"{file.Source} holds no tagged sentences", nameof(file));
        _features = TokenFeatures.Convert(sentences, tokenizer, spec.MaxSequenceLength, spec.Labels!, file.Source);
        _lengths = _features.Select(f => f.Length).ToArray();
        IsLabeled = sentences.All(s => s.Tags is not null);
    }

    /// <summary>One feature per sentence, in file order.</summary>
    public IReadOnlyList<TokenFeature> Features => _features;
    public override IReadOnlyList<int> Lengths => _lengths;
    public override bool IsLabeled { get; }

    public override TaskBatch Batch(int[] rows, bool withTargets = true)
    {
        var batch = TaskBatches.Tokens(_features, rows, PadId);
        return withTargets ? batch : WithoutTargets(batch);
    }

    /// <summary>One tag per word of each sentence; words cut by truncation (or without tokens) get "O".</summary>
    public string[][] Tags(TaskOutputs outputs)
    {
        RequireRows(outputs);
        return _features.Select((f, i) => TokenFeatures.PredictTags(f, outputs.Logits[i], Spec.Labels!)).ToArray();
    }

    /// <summary>Entity-level precision, recall and F1 over all sentences, as seqeval computes them.</summary>
    public override TaskScores Score(TaskOutputs outputs)
    {
        RequireLabels();
        var references = File.Sentences!.Select(s => s.Tags!).ToArray();
        var scores = SeqEval.Score(references, Tags(outputs));
        return new TaskScores(Spec.Task, [new("precision", scores.Precision), new("recall", scores.Recall), new("f1", scores.F1)],
            outputs.Loss, references.Length);
    }
}
