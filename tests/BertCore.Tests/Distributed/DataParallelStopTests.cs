using System.Diagnostics;
using System.Text.RegularExpressions;
using BertCore.Checkpoints;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Distributed;

/// <summary>
/// How a run on 2 ranks ends when rank 0's clock or a signal ends it: `pretrain --max-minutes` (rank 0's time decides
/// the last step for both ranks) and SIGUSR1 sent to mpirun (which forwards it to every rank; rank 0's request stops
/// both after the same step). The watchdog is set to 20 s, so that ranks that disagreed (one leaving while the other
/// waits in an exchange) would end the run with "rank R: waited ..." instead of hanging for the default 300 s.
/// </summary>
public partial class DataParallelTests
{
    private static readonly Dictionary<string, string> s_shortWatchdog = new() { ["BERTCORE_MPI_TIMEOUT"] = "20" };

    /// <summary>A 6-second budget (some dozens of tiny steps): exit 0, the final model written at the step that
    /// metrics.csv ends with, and both ranks through the end-of-run gather (the wait report) with no watchdog message.</summary>
    [MpiFact]
    public void A_time_budget_on_two_ranks_ends_both_after_the_same_step()
    {
        string output = _folder.File("budget");
        var run = MpiRunner.Run(2, s_shortWatchdog, Pretraining("batches", output, steps: 0, saveEvery: 1000, maxMinutes: 0.1));
        Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
        Assert.DoesNotContain("waited", run.StdErr);
        Assert.Contains("data parallel: waited for the gradients", run.StdOut);
        var done = Regex.Match(run.StdOut, @"done: (\d+) steps");
        Assert.True(done.Success, run.StdOut);
        Assert.Equal(int.Parse(done.Groups[1].Value), MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile))[^1].Step);
        Assert.True(File.Exists(Path.Combine(output, ModelDirectory.WeightsFile)), "no final model");
    }

    /// <summary>SIGUSR1 to mpirun after step 5: exit 130 (as Ctrl+C in one process), a checkpoint of the step where
    /// both ranks stopped, and `--resume` on 2 ranks ends bitwise where the uninterrupted 2,000 steps end.</summary>
    [MpiFact]
    public void Sigusr1_to_mpirun_stops_both_ranks_with_a_checkpoint_that_resumes_exactly()
    {
        // a tiny step takes about a millisecond, and the signal comes some steps after the test read step 5 (more on a
        // busy machine: the CI machine's log lines lagged 8+ steps): the stop lands well before step 2,000, almost
        // always before step 1,500 (then checkpointed on its own)
        const int Steps = 2000, SaveEvery = 1500;
        string straight = shared.SingleRun(output => Pretraining("batches", output, Steps, SaveEvery)), stopped = _folder.File("stopped");
        int step;
        using (var mpirun = MpiRunner.Start(2, s_shortWatchdog, Pretraining("batches", stopped, Steps, SaveEvery)))
        {
            var (stdout, stderr, seconds) = KillAfterStep(mpirun, 5, _ => Process.Start("kill", ["-USR1", $"{mpirun.Id}"])!.WaitForExit());
            log.WriteLine($"SIGUSR1 to mpirun: it ended after {seconds:F1} s with exit code {mpirun.ExitCode}\n{stdout}\n{stderr}");
            Assert.True(mpirun.ExitCode == 130, $"exit code {mpirun.ExitCode}: {stdout} {stderr}");
            Assert.DoesNotContain("waited", stderr);
            var stop = Regex.Match(stdout, @"stopped at step (\d+); checkpoint \S*checkpoint-(\d+);");
            Assert.True(stop.Success, stdout);
            step = int.Parse(stop.Groups[1].Value);
            Assert.Equal(step, int.Parse(stop.Groups[2].Value));
            Assert.InRange(step, 5, Steps - 1);
        }
        Assert.True(Directory.Exists(Path.Combine(stopped, PretrainingCheckpoint.FolderName(step))), $"no checkpoint of step {step}");
        Assert.False(File.Exists(Path.Combine(stopped, ModelDirectory.WeightsFile)), "the stopped run wrote a final model");

        var resumed = MpiRunner.Run(2, s_shortWatchdog, [.. Pretraining("batches", stopped, Steps, SaveEvery), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StdOut + resumed.StdErr);
        Assert.Matches($@"resumed from \S*checkpoint-{step} at step {step}", resumed.StdOut);
        AssertSameRun(straight, stopped, timingColumn: 4);
    }
}
