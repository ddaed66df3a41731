using BertCore.IO;

namespace BertCore.Training;

/// <summary>One held-out evaluation of a run, as kept in trainer_state.json.</summary>
public sealed record EvaluationRecord(int Step, double MlmAccuracy, double Perplexity);

/// <summary>
/// trainer_state.json of a checkpoint: everything besides tensors that an exact resume needs — the step, the
/// dropout RNG (graph seed and counter offset), the training source's position — plus the options the run was
/// started with and its metrics so far. The AdamW moments live next to it in trainer_state.safetensors.
/// </summary>
/// <param name="TrainingSeconds">Wall time of training up to the checkpoint (a time budget goes on from it; 0 in
/// files written before it was kept).</param>
public sealed record TrainerState(
    int Step,
    ulong RngSeed,
    ulong RngOffset,
    IReadOnlyDictionary<string, long> DataPosition,
    PretrainerOptions Options,
    double LastLoss,
    IReadOnlyList<EvaluationRecord> Evaluations,
    double TrainingSeconds = 0)
{
    /// <summary>Writes the state as indented JSON, atomically.</summary>
    public void Save(string path) => StateJson.Save(path, this);

    /// <exception cref="InvalidFileException">The file is not a trainer_state.json: not JSON, a field missing, null
    /// or of the wrong type.</exception>
    public static TrainerState Load(string path)
    {
        var state = StateJson.Load<TrainerState>(path, "trainer state");
        // Collection elements are outside the nullable annotations the serializer checks.
        if (state.Evaluations.Any(e => e is null))
            throw new InvalidFileException(path, null, "\"evaluations\" holds null instead of an evaluation");
        return state;
    }
}
