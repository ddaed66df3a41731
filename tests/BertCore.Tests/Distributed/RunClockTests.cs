using BertCore.Training;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace BertCore.Tests.Distributed;

/// <summary>
/// Two ranks in one process (<see cref="InMemoryRanks"/>, one thread each) run <see cref="TrainingLoop"/> over a run
/// that only counts steps, each rank with its own fake clock and its own cancellation token that disagree on purpose.
/// Rank 0's clock and token must decide for both: the expectations are rank 0's alone, written out by hand.
/// </summary>
public class RunClockTests
{
    /// <summary>Counts steps; each step moves the rank's clock on by <paramref name="perStep"/>; the report of step
    /// <paramref name="cancelAtStep"/> cancels <paramref name="cancel"/>.</summary>
    private sealed class CountingRun(FakeTimeProvider clock, TimeSpan perStep, CancellationTokenSource cancel, int cancelAtStep)
        : ITrainingRun<int, string>
    {
        public List<(int Step, TimeSpan Elapsed)> Reports { get; } = new();
        public List<int> Checkpoints { get; } = new();

        public int Step { get; private set; }
        public bool StopRequested => false;

        public int TrainStep(out bool epochEnd)
        {
            epochEnd = false;
            clock.Advance(perStep);
            return ++Step;
        }

        public string Evaluate(int step, bool last) => throw new InvalidOperationException("the cadence evaluates nothing");

        public void Record(int step, string? evaluation) { }

        public string SaveCheckpoint()
        {
            Checkpoints.Add(Step);
            return $"checkpoint-{Step}";
        }

        public void Report(int step, string? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta)
        {
            Reports.Add((step, elapsed));
            if (step == cancelAtStep) cancel.Cancel();
        }
    }

    /// <summary>Runs the loop on rank 0 and rank 1 at once, each with its run, clock and token.</summary>
    private static TrainingLoopResult<string>[] RunOnTwoRanks(TrainingCadence cadence, CountingRun[] runs, FakeTimeProvider[] clocks,
        CancellationTokenSource[] tokens)
    {
        var worlds = InMemoryRanks.Create(2);
        var ranks = Enumerable.Range(0, 2)
            .Select(r => Task.Factory.StartNew(() => TrainingLoop.Run(runs[r], cadence, tokens[r].Token, new RunClock(worlds[r], clocks[r])),
                TaskCreationOptions.LongRunning))   // a thread each: the ranks block in Broadcast
            .ToArray();
        Assert.True(Task.WaitAll(ranks, TimeSpan.FromSeconds(60)), "the ranks did not end within 60 s");
        return ranks.Select(t => t.Result).ToArray();
    }

    /// <summary>A 10-minute budget: rank 0's clock moves 1 minute per step, rank 1's 3 minutes (alone it would stop
    /// after step 4), and rank 1's token is cancelled from the start (alone it would take no step). Both take steps
    /// 1–10, see k minutes after step k, save after step 10 and complete.</summary>
    [Fact]
    public void Rank_1_takes_rank_0s_time_for_the_budget_and_ignores_its_own_stop_request()
    {
        FakeTimeProvider[] clocks = [new(), new()];
        using var zero = new CancellationTokenSource();
        using var one = new CancellationTokenSource();
        one.Cancel();
        CountingRun[] runs = [new(clocks[0], TimeSpan.FromMinutes(1), zero, -1), new(clocks[1], TimeSpan.FromMinutes(3), one, -1)];
        var cadence = new TrainingCadence(TotalSteps: 100, EvalEvery: 0, SaveEvery: 0, Evaluates: false, SaveAfterLast: true,
            TimeBudget: TimeSpan.FromMinutes(10));

        var results = RunOnTwoRanks(cadence, runs, clocks, [zero, one]);

        var expected = Enumerable.Range(1, 10).Select(k => (k, TimeSpan.FromMinutes(k))).ToList();
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(expected, runs[rank].Reports);
            Assert.Equal([10], runs[rank].Checkpoints);
            Assert.False(results[rank].Cancelled);
            Assert.Equal(TimeSpan.FromMinutes(10), results[rank].Elapsed);
        }
    }

    /// <summary>Rank 0 is asked to stop in the report of step 4, rank 1 (alone) in that of step 2: both finish step 4,
    /// take no step 5, write the cancel checkpoint of step 4 and end cancelled.</summary>
    [Fact]
    public void Rank_1_stops_after_the_step_where_rank_0_was_asked_to_stop()
    {
        FakeTimeProvider[] clocks = [new(), new()];
        using var zero = new CancellationTokenSource();
        using var one = new CancellationTokenSource();
        CountingRun[] runs = [new(clocks[0], TimeSpan.FromSeconds(1), zero, 4), new(clocks[1], TimeSpan.FromSeconds(1), one, 2)];
        var cadence = new TrainingCadence(TotalSteps: 10, EvalEvery: 0, SaveEvery: 0, Evaluates: false);

        var results = RunOnTwoRanks(cadence, runs, clocks, [zero, one]);

        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal([1, 2, 3, 4], runs[rank].Reports.Select(r => r.Step));
            Assert.Equal([4], runs[rank].Checkpoints);
            Assert.True(results[rank].Cancelled);
            Assert.Equal("checkpoint-4", results[rank].LastCheckpoint);
        }
    }
}
