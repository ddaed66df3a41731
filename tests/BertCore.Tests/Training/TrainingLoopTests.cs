using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary><see cref="TrainingLoop"/>'s cadence on a run that only counts: which steps are evaluated, checkpointed
/// and reported, and how cancellation, a resumed start, early stopping and a time budget end the loop. The
/// expectations are written out by hand from the cadence's rules.</summary>
public class TrainingLoopTests
{
    /// <summary>Counts steps; an "epoch" is <see cref="EpochSteps"/> steps; logs every call as "train 1", "eval 3", ….</summary>
    private sealed class CountingRun(int step = 0) : ITrainingRun<int, string>
    {
        public List<string> Calls { get; } = new();
        public int EpochSteps { get; init; } = 3;
        public int? StopAfterEvaluationAt { get; init; }
        public CancellationTokenSource? CancelAfter { get; init; }
        public int CancelAtStep { get; init; } = -1;

        public int Step { get; private set; } = step;
        public bool StopRequested { get; private set; }

        public int TrainStep(out bool epochEnd)
        {
            Step++;
            epochEnd = Step % EpochSteps == 0;
            Calls.Add($"train {Step}");
            return Step;
        }

        public string Evaluate(int step, bool last)
        {
            Calls.Add($"eval {step}{(last ? " last" : "")}");
            StopRequested = step == StopAfterEvaluationAt;
            return $"evaluation {step}";
        }

        public void Record(int step, string? evaluation) => Calls.Add($"row {step}{(evaluation != null ? " +eval" : "")}");

        public string SaveCheckpoint()
        {
            Calls.Add($"save {Step}");
            return $"checkpoint-{Step}";
        }

        public void Report(int step, string? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta)
        {
            Calls.Add($"report {step}{(checkpoint != null ? " " + checkpoint : "")}");
            if (step == CancelAtStep) CancelAfter!.Cancel();
        }

        /// <summary>The calls of one kind, e.g. the steps evaluated.</summary>
        public int[] Steps(string kind) =>
            Calls.Where(c => c.StartsWith(kind + " ")).Select(c => int.Parse(c.Split(' ')[1])).ToArray();
    }

    [Fact]
    public void Evaluates_every_n_steps_and_after_the_last_saving_with_each_evaluation_and_every_m_steps()
    {
        var run = new CountingRun();
        var result = TrainingLoop.Run(run, new TrainingCadence(TotalSteps: 7, EvalEvery: 3, SaveEvery: 5, Evaluates: true, SaveWithEvaluation: true));
        Assert.False(result.Cancelled);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], run.Steps("train"));
        Assert.Equal([3, 6, 7], run.Steps("eval"));
        Assert.Equal([3, 5, 6, 7], run.Steps("save"));
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], run.Steps("report"));
        Assert.Equal(["train 3", "eval 3", "row 3 +eval", "save 3", "report 3 checkpoint-3"], run.Calls[6..11]);
        Assert.Equal("eval 7 last", run.Calls.Single(c => c.StartsWith("eval 7")));
        Assert.Equal(("checkpoint-7", "evaluation 7"), (result.LastCheckpoint, result.LastEvaluation));
    }

    [Fact]
    public void Evaluates_at_each_epoch_end_when_no_count_is_given_and_not_after_the_last_when_told_not_to()
    {
        var run = new CountingRun { EpochSteps = 2 };
        TrainingLoop.Run(run, new TrainingCadence(TotalSteps: 6, EvalEvery: 0, SaveEvery: 0, Evaluates: true, EvaluateEachEpoch: true,
            EvaluateAfterLast: false, SaveAfterLast: true));
        Assert.Equal([2, 4], run.Steps("eval"));
        Assert.Equal([6], run.Steps("save"));

        var nothing = new CountingRun();
        TrainingLoop.Run(nothing, new TrainingCadence(TotalSteps: 4, EvalEvery: 2, SaveEvery: 0, Evaluates: false));
        Assert.Empty(nothing.Steps("eval"));
        Assert.Empty(nothing.Steps("save"));
    }

    /// <summary>Cancelled after step 4's report: step 5 is not taken, a checkpoint of step 4 is written; a run resumed
    /// at step 4 takes steps 5..7 and keeps the every-3 cadence (evaluates 6 and 7).</summary>
    [Fact]
    public void Cancellation_checkpoints_the_steps_taken_and_a_resumed_run_continues_from_its_step()
    {
        using var cancel = new CancellationTokenSource();
        var run = new CountingRun { CancelAfter = cancel, CancelAtStep = 4 };
        var cadence = new TrainingCadence(TotalSteps: 7, EvalEvery: 3, SaveEvery: 0, Evaluates: true, SaveWithEvaluation: true);
        var result = TrainingLoop.Run(run, cadence, cancel.Token);
        Assert.True(result.Cancelled);
        Assert.Equal([1, 2, 3, 4], run.Steps("train"));
        Assert.Equal([3, 4], run.Steps("save"));
        Assert.Equal("checkpoint-4", result.LastCheckpoint);

        var resumed = new CountingRun(step: 4);
        TrainingLoop.Run(resumed, cadence);
        Assert.Equal([5, 6, 7], resumed.Steps("train"));
        Assert.Equal([6, 7], resumed.Steps("eval"));

        var again = new CountingRun(step: 3) { CancelAfter = cancel };
        Assert.True(TrainingLoop.Run(again, cadence, cancel.Token).Cancelled);
        Assert.Empty(again.Calls);   // cancelled before any step: nothing new to checkpoint
    }

    [Fact]
    public void Early_stopping_and_a_spent_time_budget_end_the_loop_after_the_step()
    {
        var run = new CountingRun { StopAfterEvaluationAt = 4 };
        TrainingLoop.Run(run, new TrainingCadence(TotalSteps: 10, EvalEvery: 2, SaveEvery: 0, Evaluates: true));
        Assert.Equal([1, 2, 3, 4], run.Steps("train"));

        var budget = new CountingRun();
        TrainingLoop.Run(budget, new TrainingCadence(TotalSteps: 10, EvalEvery: 0, SaveEvery: 0, Evaluates: true, SaveAfterLast: true,
            TimeBudget: TimeSpan.Zero));
        Assert.Equal(["train 1", "eval 1 last", "row 1 +eval", "save 1", "report 1 checkpoint-1"], budget.Calls);
    }
}
