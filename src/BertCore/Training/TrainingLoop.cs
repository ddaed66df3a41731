namespace BertCore.Training;

/// <summary>When a <see cref="TrainingLoop"/> evaluates, checkpoints and stops.</summary>
/// <param name="TotalSteps">The planned last step.</param>
/// <param name="EvalEvery">Evaluate every N steps (0: see <paramref name="EvaluateEachEpoch"/>).</param>
/// <param name="SaveEvery">Write a checkpoint every N steps (0: never on a count).</param>
/// <param name="Evaluates">Whether there is anything to evaluate on (held-out or dev data).</param>
/// <param name="EvaluateEachEpoch">With EvalEvery 0, evaluate after the last step of each pass over the data.</param>
/// <param name="EvaluateAfterLast">Evaluate after the last step (else the caller evaluates after the loop).</param>
/// <param name="SaveWithEvaluation">Write a checkpoint after every evaluation.</param>
/// <param name="SaveAfterLast">Write a checkpoint after the last step.</param>
/// <param name="SaveOnCancel">When cancelled, write a checkpoint of the steps taken since the last one.</param>
/// <param name="TimeBudget">Stop after the step that reaches this wall time (it counts as the last).</param>
/// <param name="TimeSpent">Wall time the run spent before this loop (a resumed run's), counted against the budget.</param>
public sealed record TrainingCadence(int TotalSteps, int EvalEvery, int SaveEvery, bool Evaluates, bool EvaluateEachEpoch = false,
    bool EvaluateAfterLast = true, bool SaveWithEvaluation = false, bool SaveAfterLast = false, bool SaveOnCancel = true,
    TimeSpan? TimeBudget = null, TimeSpan TimeSpent = default);

/// <summary>How a <see cref="TrainingLoop"/> ended.</summary>
/// <param name="Cancelled">The cancellation token stopped it.</param>
/// <param name="LastCheckpoint">The newest checkpoint folder written by the loop, if any.</param>
/// <param name="LastEvaluation">The newest evaluation made by the loop, if any.</param>
public sealed record TrainingLoopResult<TEvaluation>(bool Cancelled, string? LastCheckpoint, TEvaluation? LastEvaluation, TimeSpan Elapsed)
    where TEvaluation : class;

/// <summary>
/// The training loop, written once for every trainer: from the run's current step (so a resumed run continues
/// where its checkpoint was written) until the planned last step, a time budget, early stopping or cancellation:
/// <code>
/// while step &lt; total and not stopping:
///     if cancelled: checkpoint the steps since the last checkpoint; stop
///     report = TrainStep()
///     evaluate when due (every N steps, at the end of each epoch, after the last)
///     append the metrics row
///     checkpoint when due (every N steps, with each evaluation, after the last)
///     report progress with the time so far and the estimated time left
/// </code>
/// Cancellation (Ctrl+C) is checked between steps: the current step always finishes. With several ranks, rank 0's
/// cancellation and clock decide for all (<see cref="RunClock"/>), so every rank takes the same steps.
/// </summary>
public static class TrainingLoop
{
    /// <param name="clock">The run's time and stop decision, started here (default: this process's system clock).</param>
    public static TrainingLoopResult<TEvaluation> Run<TStep, TEvaluation>(ITrainingRun<TStep, TEvaluation> run, TrainingCadence cadence,
        CancellationToken cancellation = default, RunClock? clock = null) where TEvaluation : class
    {
        clock ??= new RunClock();
        clock.Start();
        int firstStep = run.Step, savedAt = -1;
        string? checkpoint = null;
        TEvaluation? evaluation = null;
        bool cancelled = false;
        while (run.Step < cadence.TotalSteps && !run.StopRequested)
        {
            if (clock.Agree(cancellation))
            {
                cancelled = true;
                if (cadence.SaveOnCancel && run.Step > firstStep && savedAt != run.Step) checkpoint = run.SaveCheckpoint();
                break;
            }
            var step = run.TrainStep(out bool epochEnd);
            clock.Agree(cancellation);   // the time after the step, for the budget (a stop request waits for the next Agree)
            bool last = run.Step >= cadence.TotalSteps || (cadence.TimeBudget is { } budget && cadence.TimeSpent + clock.Elapsed >= budget);
            bool evaluationDue = cadence.EvalEvery > 0 ? run.Step % cadence.EvalEvery == 0 : cadence.EvaluateEachEpoch && epochEnd;
            var stepEvaluation = cadence.Evaluates && (last ? cadence.EvaluateAfterLast : evaluationDue) ? run.Evaluate(step, last) : null;
            evaluation = stepEvaluation ?? evaluation;
            run.Record(step, stepEvaluation);
            string? saved = null;
            if ((last && cadence.SaveAfterLast) || (stepEvaluation != null && cadence.SaveWithEvaluation)
                || (cadence.SaveEvery > 0 && run.Step % cadence.SaveEvery == 0))
            {
                checkpoint = saved = run.SaveCheckpoint();
                savedAt = run.Step;
            }
            var elapsed = clock.Elapsed;
            double etaSeconds = elapsed.TotalSeconds / (run.Step - firstStep) * (cadence.TotalSteps - run.Step);
            if (cadence.TimeBudget is { } limit) etaSeconds = Math.Min(etaSeconds, Math.Max(0, (limit - cadence.TimeSpent - elapsed).TotalSeconds));
            run.Report(step, stepEvaluation, saved, elapsed, TimeSpan.FromSeconds(Math.Min(etaSeconds, TimeSpan.MaxValue.TotalSeconds / 2)));
            if (last) break;
        }
        return new TrainingLoopResult<TEvaluation>(cancelled, checkpoint, evaluation, clock.Elapsed);
    }
}
