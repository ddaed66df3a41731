using BertCore.Data.Tasks;
using BertCore.Text;

namespace BertCore.Training.FineTuning;

/// <summary>
/// A <see cref="TaskFile"/> encoded for the model: one feature per text, sentence or QA window, batched with
/// dynamic padding, and the task's way back from network outputs to predictions and metrics.
/// </summary>
public abstract class TaskData
{
    protected TaskData(TaskFile file, TaskSpec spec, int padId)
    {
        if (file.Task != spec.Task && !(file.Task is TaskKind.Classify or TaskKind.Pair && spec.Task is TaskKind.Classify or TaskKind.Pair))
            throw new ArgumentException($"a {file.Task.Name()} file for a {spec.Task.Name()} model", nameof(file));
        File = file;
        Spec = spec;
        PadId = padId;
    }

    /// <summary>Encodes <paramref name="file"/> as <paramref name="spec"/> says.</summary>
    /// <exception cref="BertCore.IO.InvalidFileException">A label or tag the spec does not know.</exception>
    public static TaskData Create(TaskFile file, TaskSpec spec, BertTokenizer tokenizer) => spec.Task switch
    {
        TaskKind.Ner => new TokenTaskData(file, spec, tokenizer),
        TaskKind.Qa => new QaTaskData(file, spec, tokenizer),
        TaskKind.Similarity => new Similarity.SimilarityTaskData(file, spec, tokenizer),
        _ => new SequenceTaskData(file, spec, tokenizer),
    };

    public TaskFile File { get; }
    public TaskSpec Spec { get; }

    /// <summary>The [PAD] id batches are padded with.</summary>
    public int PadId { get; }

    /// <summary>[features] tokens of each feature, special tokens included (what batches are padded to).</summary>
    public abstract IReadOnlyList<int> Lengths { get; }

    /// <summary>Number of features (QA: windows, which may outnumber the questions).</summary>
    public int Count => Lengths.Count;

    /// <summary>Whether every example has its label, value, tags or answer (training and scoring need them).</summary>
    public abstract bool IsLabeled { get; }

    /// <summary>The features <paramref name="rows"/> padded to the longest of them, with their targets when
    /// <paramref name="withTargets"/> (the network then computes the loss).</summary>
    public abstract TaskBatch Batch(int[] rows, bool withTargets = true);

    /// <summary>The task's metrics for <paramref name="outputs"/> of every feature.</summary>
    /// <exception cref="InvalidOperationException">The data is not labelled.</exception>
    public abstract TaskScores Score(TaskOutputs outputs);

    /// <summary>Drops the targets of a batch (prediction runs the network without a loss).</summary>
    protected static TaskBatch WithoutTargets(TaskBatch batch) =>
        batch with { Labels = null, Targets = null, StartPositions = null, EndPositions = null };

    protected void RequireLabels()
    {
        if (!IsLabeled) throw new InvalidOperationException($"{File.Source}: unlabelled examples cannot be scored");
    }

    /// <summary>Checks that <paramref name="outputs"/> has one row per feature.</summary>
    protected void RequireRows(TaskOutputs outputs)
    {
        if (outputs.Logits.Count != Count) throw new ArgumentException($"{outputs.Logits.Count} output rows for {Count} features", nameof(outputs));
    }
}
