namespace BertCore.Training;

/// <summary>
/// What a trainer gives <see cref="TrainingLoop"/>: only what is its own — how the next step's batches become a loss
/// (<see cref="TrainStep"/>), what is evaluated, what a metrics row and a checkpoint hold, and whom progress goes to.
/// The loop decides when each happens.
/// </summary>
/// <typeparam name="TStep">What one step reports (loss, learning rate, norm, throughput).</typeparam>
/// <typeparam name="TEvaluation">What one evaluation reports.</typeparam>
public interface ITrainingRun<TStep, TEvaluation> where TEvaluation : class
{
    /// <summary>Optimizer steps taken so far (a resumed run starts from its checkpoint's).</summary>
    int Step { get; }

    /// <summary>True once the run wants to stop before its planned steps (early stopping).</summary>
    bool StopRequested { get; }

    /// <summary>Takes one optimizer step on the next batches; <paramref name="epochEnd"/> says whether they were the
    /// last of a pass over the training data.</summary>
    TStep TrainStep(out bool epochEnd);

    /// <summary>Evaluates after <paramref name="step"/> (<paramref name="last"/>: the run's last step) and records
    /// the result where checkpoints will find it.</summary>
    TEvaluation Evaluate(TStep step, bool last);

    /// <summary>Appends the step's metrics row (with its evaluation, if any).</summary>
    void Record(TStep step, TEvaluation? evaluation);

    /// <summary>Writes a checkpoint of the current step and returns its folder.</summary>
    string SaveCheckpoint();

    /// <summary>Reports the finished step: its evaluation and checkpoint if any, the run's time so far and the
    /// estimated time to the planned last step.</summary>
    void Report(TStep step, TEvaluation? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta);
}
