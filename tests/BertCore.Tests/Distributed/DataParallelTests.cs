using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using BertCore.Checkpoints;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Tests.Training;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Distributed;

/// <summary>
/// `mpirun --oversubscribe -np N dotnet bertcore.dll pretrain|finetune ...` against one process with the same global
/// batch (--grad-accum K): the final model.safetensors byte for byte, and metrics.csv but for its timing column. Then
/// resuming across rank counts (2 → 1 and 1 → 2), a rank killed (every rank ends non-zero within 60 s, naming the
/// rank) and a rank stopped (the watchdog aborts every rank). Tiny models with dropout 0.1, so that the dropout RNG
/// positions are checked too; one thread per rank.
/// </summary>
public partial class DataParallelTests(ITestOutputHelper log, DataParallelTests.Shared shared) : IDisposable, IClassFixture<DataParallelTests.Shared>
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>What the tests share: the pretraining inputs (the same bytes for every test) and the single-process
    /// pretraining runs, each made once for its arguments (the bucket-size tests and a theory case compare with the
    /// same one).</summary>
    public sealed class Shared : IDisposable
    {
        private readonly Dictionary<string, string> _singleRuns = new();

        internal TempFolder Folder { get; } = new();

        /// <summary>The output folder of `bertcore ARGS` in one process (<paramref name="args"/> of the folder), run
        /// the first time these arguments come.</summary>
        public string SingleRun(Func<string, string[]> args)
        {
            string key = string.Join('\n', args("OUTPUT"));
            if (!_singleRuns.TryGetValue(key, out var output))
            {
                output = Folder.File($"single-{_singleRuns.Count}");
                var run = CliRunner.Run(args(output));
                Assert.True(run.ExitCode == 0, run.StdOut + run.StdErr);
                _singleRuns[key] = output;
            }
            return output;
        }

        public void Dispose() => Folder.Dispose();
    }

    /// <summary>The pretraining arguments into <paramref name="output"/>: from a pre-masked stream (MLM + NSP), or from
    /// a raw corpus (dynamic masking: every rank draws the same masks; its token cache built by rank 0) with MLM or ELECTRA.
    /// <paramref name="maxMinutes"/> above 0: a time budget (warmup 10% of it) instead of <paramref name="steps"/>.</summary>
    private string[] Pretraining(string source, string output, int steps, int saveEvery, int gradAccum = 2, double maxMinutes = 0)
    {
        string vocab = shared.Folder.File("vocab.txt"), config = shared.Folder.File("config.json");
        if (!File.Exists(config))
        {
            TinyPretraining.WriteVocab(shared.Folder.Root);
            TinyPretraining.Config().Save(config);
        }
        string[] data = source == "batches"
            ? ["--batches", Stream(), "--objective", "mlm+nsp"]
            : ["--corpus", Corpus(), "--seq", $"{TinyPretraining.Sequence}", "--batch", "3", "--objective", source == "corpus-electra" ? "electra" : "mlm"];
        string[] length = maxMinutes > 0
            ? ["--max-minutes", maxMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture), "--warmup-fraction", "0.1"]
            : ["--max-steps", $"{steps}", "--warmup", "2"];
        return ["pretrain", .. data, "--vocab", vocab, "--config", config, "--output", output, .. length,
            "--save-every", $"{saveEvery}", "--lr", "1e-3", "--seed", "3", "--grad-accum", $"{gradAccum}", "--threads", "1", "--log-every", "1"];
    }

    /// <summary>With 2 micro-batches on 2 ranks the sum of a round has two terms (either order gives the same bits);
    /// 4 on 2 ranks and 3 on 3 ranks check the fixed order of longer sums.</summary>
    [MpiTheory]
    [InlineData("batches", 2, 2)]
    [InlineData("corpus-mlm", 2, 2)]
    [InlineData("corpus-electra", 2, 2)]
    [InlineData("batches", 2, 4)]
    [InlineData("batches", 3, 3)]
    public void Pretraining_on_several_ranks_ends_bitwise_where_one_process_with_the_same_grad_accum_ends(string source, int ranks, int gradAccum)
    {
        string single = shared.SingleRun(output => Pretraining(source, output, steps: 6, saveEvery: 3, gradAccum)), parallel = _folder.File("parallel");
        var two = MpiRunner.Run(ranks, Pretraining(source, parallel, steps: 6, saveEvery: 3, gradAccum));
        Assert.True(two.ExitCode == 0, two.StdOut + two.StdErr);
        AssertSameRun(single, parallel, timingColumn: 4);
        Assert.Equal(Directory.GetFileSystemEntries(single).Select(Path.GetFileName).Order(), Directory.GetFileSystemEntries(parallel).Select(Path.GetFileName).Order());
    }

    /// <summary>BERTCORE_MPI_BUCKET_MB: 0.01 MiB cuts the tiny model's 88 KB of gradients into about ten buckets, each
    /// sent while the backward runs; 0 sends the whole gradient after it. Four micro-batches on 2 ranks: two rounds
    /// per step. Rank 0 ends with how long each rank waited for the gradients.</summary>
    [MpiTheory]
    [InlineData("0.01")]
    [InlineData("0")]
    public void Pretraining_on_two_ranks_ends_bitwise_where_one_process_ends_at_any_gradient_bucket_size(string megabytes)
    {
        string single = shared.SingleRun(output => Pretraining("batches", output, steps: 6, saveEvery: 3, gradAccum: 4)), parallel = _folder.File("parallel");
        var two = MpiRunner.Run(2, new Dictionary<string, string> { ["BERTCORE_MPI_BUCKET_MB"] = megabytes },
            Pretraining("batches", parallel, steps: 6, saveEvery: 3, gradAccum: 4));
        Assert.True(two.ExitCode == 0, two.StdOut + two.StdErr);
        AssertSameRun(single, parallel, timingColumn: 4);
        Assert.Matches($@"data parallel: waited for the gradients \(s, in all\): rank 0 \d+\.\d{{3}}, rank 1 \d+\.\d{{3}}; gradient buckets of {Regex.Escape(megabytes)} MiB", two.StdOut);
    }

    [MpiFact]
    public void A_bucket_size_that_is_no_number_ends_every_rank_naming_the_variable()
    {
        var run = MpiRunner.Run(2, new Dictionary<string, string> { ["BERTCORE_MPI_BUCKET_MB"] = "lots" },
            Pretraining("batches", _folder.File("bad"), steps: 2, saveEvery: 2));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("BERTCORE_MPI_BUCKET_MB=lots: give the gradient bucket size in MiB", run.StdErr);
    }

    [MpiFact]
    public void Fine_tuning_on_two_ranks_ends_bitwise_where_one_process_with_grad_accum_2_ends()
    {
        // 40 examples in batches of 8: 5 batches per epoch, so steps of 2, 2 and 1 micro-batches (rank 1 idles in the last)
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 40);
        TinyTasks.Config(vocab).Save(_folder.File("config.json"));
        string[] Args(string output) => ["finetune", "--task", "classify", "--train", files.ClassifyTrain, "--dev", files.ClassifyDev, "--max-dev", "24",
            "--config", _folder.File("config.json"), "--vocab", vocab, "--output", output, "--epochs", "2", "--batch", "8", "--grad-accum", "2",
            "--lr", "2e-3", "--eval-every", "2", "--seed", "3", "--threads", "1", "--log-every", "1"];
        AssertTwoRanksMatchOneProcess(Args);
    }

    /// <summary>Distillation (a FineTuner with the distillation objective; its teacher cache built by rank 0) from a
    /// tiny fine-tuned teacher into a student of the same shape, 2 ranks against one process.</summary>
    [MpiFact]
    public void Distillation_on_two_ranks_ends_bitwise_where_one_process_with_grad_accum_2_ends()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 40);
        TinyTasks.Config(vocab).Save(_folder.File("config.json"));
        string teacher = _folder.File("teacher");
        var trained = CliRunner.Run("finetune", "--task", "classify", "--train", files.ClassifyTrain, "--dev", files.ClassifyDev, "--max-dev", "24",
            "--config", _folder.File("config.json"), "--vocab", vocab, "--output", teacher, "--epochs", "1", "--batch", "8", "--lr", "2e-3",
            "--seed", "3", "--threads", "1");
        Assert.True(trained.ExitCode == 0, trained.StdOut + trained.StdErr);
        string[] Args(string output) => ["distill", "--task", "classify", "--teacher", teacher, "--student-config", _folder.File("config.json"),
            "--student-init", "random", "--train", files.ClassifyTrain, "--dev", files.ClassifyDev, "--max-dev", "24", "--output", output,
            "--epochs", "2", "--batch", "8", "--grad-accum", "2", "--lr", "2e-3", "--seed", "3", "--threads", "1", "--log-every", "1"];
        AssertTwoRanksMatchOneProcess(Args);
    }

    [MpiFact]
    public void A_rank_killed_ends_every_rank_and_its_checkpoint_resumes_on_one_process_and_back_on_two()
    {
        const int Steps = 1000, SaveEvery = 4;   // a step takes about a millisecond: far more steps than the log lines can lag behind a busy machine (CI saw 8+)
        string straight = _folder.File("straight"), killedTwo = _folder.File("killed-two"), killedOne = _folder.File("killed-one");
        var full = CliRunner.Run(Pretraining("batches", straight, Steps, SaveEvery));
        Assert.True(full.ExitCode == 0, full.StdErr);

        // 2 ranks, rank 1 killed after step 9: every rank ends within 60 s, non-zero, and the output names rank 1
        using (var mpirun = MpiRunner.Start(2, new Dictionary<string, string>(), Pretraining("batches", killedTwo, Steps, SaveEvery)))
        {
            var (stdout, stderr, seconds) = KillAfterStep(mpirun, 9, pid => Process.GetProcessById(pid).Kill());
            log.WriteLine($"rank 1 killed: mpirun ended after {seconds:F1} s with exit code {mpirun.ExitCode}");
            Assert.True(seconds < 60, $"the ranks ran on for {seconds:F0} s after rank 1 was killed");
            Assert.NotEqual(0, mpirun.ExitCode);
            Assert.Contains("rank 1", stdout + stderr);
        }
        Assert.False(File.Exists(Path.Combine(killedTwo, ModelDirectory.WeightsFile)), "the run ended before the kill");

        // 2 → 1: the checkpoint written by rank 0 resumes in one process and ends bitwise where the straight run ends
        var resumed = CliRunner.Run([.. Pretraining("batches", killedTwo, Steps, SaveEvery), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StdOut + resumed.StdErr);
        AssertResumedFromACheckpointAfterTheKill(resumed.StdOut, SaveEvery, Steps);
        AssertSameRun(straight, killedTwo, timingColumn: 4);

        // 1 → 2: one process killed after step 9, resumed on 2 ranks
        using (var single = CliRunner.Start(Pretraining("batches", killedOne, Steps, SaveEvery)))
            KillAfterStep(single, 9, null);
        var resumedOnTwo = MpiRunner.Run(2, [.. Pretraining("batches", killedOne, Steps, SaveEvery), "--resume"]);
        Assert.True(resumedOnTwo.ExitCode == 0, resumedOnTwo.StdOut + resumedOnTwo.StdErr);
        AssertResumedFromACheckpointAfterTheKill(resumedOnTwo.StdOut, SaveEvery, Steps);
        AssertSameRun(straight, killedOne, timingColumn: 4);
    }

    /// <summary>In buckets of 0.01 MiB, so that rank 0 waits in the bucketed exchange (or for the losses) and names the bucket.</summary>
    [MpiFact]
    public void A_rank_that_hangs_makes_the_watchdog_end_every_rank_naming_what_it_waited_for()
    {
        using var mpirun = MpiRunner.Start(2, new Dictionary<string, string> { ["BERTCORE_MPI_TIMEOUT"] = "10", ["BERTCORE_MPI_BUCKET_MB"] = "0.01" },
            Pretraining("batches", _folder.File("hung"), 2000, 500));
        var (stdout, stderr, seconds) = KillAfterStep(mpirun, 3, pid => Process.Start("kill", ["-STOP", $"{pid}"])!.WaitForExit());
        log.WriteLine($"rank 1 stopped: mpirun ended after {seconds:F1} s with exit code {mpirun.ExitCode}\n{stderr}");
        Assert.True(seconds < 60, $"the ranks ran on for {seconds:F0} s after rank 1 was stopped");
        Assert.NotEqual(0, mpirun.ExitCode);
        Assert.Matches(@"rank 0: waited \d+ s for the (gradients of step \d+, micro-batches \d+-\d+ \(bucket \d+ of \d+\)|losses of step \d+)", stderr);
    }

    /// <summary>The resumed run names a checkpoint written at or after step 8 (the last one before the kill after step 9;
    /// a later one when the log lines reached the test late) and before the end.</summary>
    private static void AssertResumedFromACheckpointAfterTheKill(string stdout, int saveEvery, int steps)
    {
        var match = Regex.Match(stdout, @"resumed from .*checkpoint-(\d+) at step");
        Assert.True(match.Success, $"no 'resumed from ... checkpoint-N' line in: {stdout}");
        int step = int.Parse(match.Groups[1].Value);
        Assert.True(step >= 8 && step < steps && step % saveEvery == 0, $"resumed from checkpoint-{step}: expected a multiple of {saveEvery} in [8, {steps})");
    }

    /// <summary>Reads the run's log lines until step <paramref name="step"/> or later, then does
    /// <paramref name="act"/> to rank 1 (null: kills the process itself, a single-process run) and waits for the run
    /// to end; returns its output and the seconds it took to end.</summary>
    private static (string StdOut, string StdErr, double Seconds) KillAfterStep(Process run, int step, Action<int>? act)
    {
        var stderr = run.StandardError.ReadToEndAsync();
        int seen = 0;
        var lines = new System.Text.StringBuilder();
        while (seen < step && run.StandardOutput.ReadLine() is { } line)
        {
            lines.AppendLine(line);
            if (StepLine().Match(line) is { Success: true } m) seen = int.Parse(m.Groups[1].Value);
        }
        if (seen < step) Assert.Fail($"the run ended before step {step}: {lines} {stderr.Result}");
        var clock = Stopwatch.StartNew();
        if (act == null) run.Kill(entireProcessTree: true);
        else act(MpiRunner.RankPid(run, 1));
        var rest = run.StandardOutput.ReadToEndAsync();
        if (!run.WaitForExit(TimeSpan.FromSeconds(120))) { run.Kill(entireProcessTree: true); Assert.Fail("the run did not end within 120 s"); }
        return (lines + rest.Result, stderr.Result, clock.Elapsed.TotalSeconds);
    }

    /// <summary>A fine-tuning-style run (metrics.csv's tokens/s in column 5) in one process and on 2 ranks, into two
    /// folders: both succeed and end with the same files, metrics and selected checkpoint.</summary>
    private void AssertTwoRanksMatchOneProcess(Func<string, string[]> args)
    {
        string single = _folder.File("single"), parallel = _folder.File("parallel");
        var one = CliRunner.Run(args(single));
        Assert.True(one.ExitCode == 0, one.StdOut + one.StdErr);
        var two = MpiRunner.Run(2, args(parallel));
        Assert.True(two.ExitCode == 0, two.StdOut + two.StdErr);
        AssertSameRun(single, parallel, timingColumn: 5);
        Assert.Equal(Selection(single), Selection(parallel));
    }

    /// <summary>Both output folders hold the same final weights and metrics.csv (but for the timing column).</summary>
    private static void AssertSameRun(string expected, string actual, int timingColumn)
    {
        Assert.Equal(Trajectory(expected, timingColumn), Trajectory(actual, timingColumn));
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(expected, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(actual, ModelDirectory.WeightsFile)));
    }

    private static List<string> Trajectory(string dir, int timingColumn) =>
        File.ReadAllLines(Path.Combine(dir, Pretrainer.MetricsFile)).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != timingColumn))).ToList();

    private static string Selection(string dir)
    {
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, FineTuner.ResultsFile)));
        return results.RootElement.GetProperty("best").GetRawText() + results.RootElement.GetProperty("evaluations").GetRawText();
    }

    /// <summary>A pre-masked stream of 16 batches of <see cref="TinyPretraining.Batch"/> sequences.</summary>
    private string Stream()
    {
        var path = shared.Folder.File("stream.safetensors");
        if (!File.Exists(path))
        {
            var source = TinyPretraining.Source(seed: 17, batch: TinyPretraining.Batch);
            PreMaskedBatchFile.Write(path, Enumerable.Range(0, 16).Select(_ => source.Next()).ToArray());
        }
        return path;
    }

    /// <summary>A corpus of 40 seeded documents of 3–6 sentences over the tiny vocabulary's words.</summary>
    private string Corpus()
    {
        var path = shared.Folder.File("corpus.txt");
        if (File.Exists(path)) return path;
        var random = new Random(5);
        var text = new System.Text.StringBuilder();
        for (int d = 0; d < 40; d++)
        {
            for (int s = random.Next(3, 7); s > 0; s--)
                text.AppendLine(string.Join(' ', Enumerable.Range(0, random.Next(4, 12)).Select(_ => $"w{random.Next(TinyPretraining.Vocab - 5)}")));
            text.AppendLine();
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [GeneratedRegex(@"^step (\d+)/")]
    private static partial Regex StepLine();
}
