using BertCore.IO;

namespace BertCore.Training.FineTuning;

/// <summary>One dev evaluation of a fine-tuning run, as kept in its trainer_state.json.</summary>
/// <param name="Metrics">Metric name → value (<see cref="TaskScores.Values"/>).</param>
public sealed record SavedEvaluation(int Step, double Epoch, double Loss, int Examples, IReadOnlyDictionary<string, double> Metrics)
{
    public static SavedEvaluation From(FineTuningEvaluation e) =>
        new(e.Step, e.Epoch, e.Scores.Loss, e.Scores.Examples, e.Scores.Values.ToDictionary(v => v.Key, v => v.Value));

    /// <summary>The scores back, in the task's metric order.</summary>
    /// <exception cref="InvalidFileException">A metric of <paramref name="task"/> is missing (named with <paramref name="path"/>).</exception>
    public TaskScores Scores(TaskKind task, string path) => new(task, task.Metrics().Select(m => KeyValuePair.Create(m,
        Metrics.TryGetValue(m, out var v) ? v : throw new InvalidFileException(path, null, $"the evaluation at step {Step} lacks metric '{m}'"))), Loss, Examples);
}

/// <summary>
/// trainer_state.json of a fine-tuning checkpoint: besides tensors, everything an exact resume needs — the step (the
/// sampler's epoch and batch follow from it), the dropout RNG (graph seed and counter offset), the options the run was
/// started with, and the model selection so far: every evaluation, the best one's step, evaluations since it, and
/// whether early stopping ended the run. The trained parameters' values and their AdamW moments live next to it in
/// trainer_state.safetensors (<see cref="FineTuner.SaveCheckpoint"/>).
/// </summary>
public sealed record FineTuningState(
    int Step,
    ulong RngSeed,
    ulong RngOffset,
    FineTunerOptions Options,
    double LastLoss,
    IReadOnlyList<SavedEvaluation> Evaluations,
    int? BestStep,
    int SinceBest,
    bool StoppedEarly)
{
    /// <summary>Writes the state as indented JSON, atomically.</summary>
    public void Save(string path) => StateJson.Save(path, this);

    /// <exception cref="InvalidFileException">The file is not a fine-tuning trainer_state.json.</exception>
    public static FineTuningState Load(string path) => StateJson.Load<FineTuningState>(path, "fine-tuning trainer state");
}
