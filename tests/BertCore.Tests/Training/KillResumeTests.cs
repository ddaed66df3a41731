using System.Text.Json;
using System.Text.RegularExpressions;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Training;

/// <summary>
/// kill -9 of a real `bertcore` child (the built CLI under dotnet, a tiny seeded model) three times in one output
/// folder, then `--resume` to the end: the final weights and every step's loss equal an uninterrupted run's bitwise.
/// The first two kills come after a seeded random step (the first past checkpoint-10, so that every later run resumes;
/// the child may run a few steps further before the signal lands: that is the point); the third lands inside a checkpoint write — <see cref="StallHook"/> stops the child after
/// the temporary folder of a seeded random checkpoint is filled and before its rename, and the test kills it there.
/// </summary>
public partial class KillResumeTests(ITestOutputHelper log) : IDisposable
{
    private const int Steps = 100, SaveEvery = 10, Seed = 20261207;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Pretraining_killed_at_random_steps_and_inside_a_checkpoint_write_resumes_bitwise()
    {
        var stream = _folder.File("stream.safetensors");
        var source = TinyPretraining.Source(seed: 17, batch: 8);
        PreMaskedBatchFile.Write(stream, Enumerable.Range(0, 16).Select(_ => source.Next()).ToArray());
        TinyPretraining.WriteVocab(_folder.Root);
        TinyPretraining.Config().Save(_folder.File("config.json"));
        string[] Args(string output) => ["pretrain", "--batches", stream, "--vocab", _folder.File("vocab.txt"), "--config", _folder.File("config.json"),
            "--output", output, "--max-steps", $"{Steps}", "--save-every", $"{SaveEvery}", "--lr", "1e-3", "--warmup", "5", "--seed", "3",
            "--objective", "mlm+nsp", "--eval-corpus", stream, "--eval-every", "25", "--eval-batches", "2", "--log-every", "1"];

        var (straight, killed) = KillThreeTimesThenFinish(Args, ModelDirectory.WeightsFile, dir => PretrainingCheckpoint.List(dir).Select(c => c.Step).ToList());
        Assert.Equal(Trajectory(straight, timingColumn: 4), Trajectory(killed, timingColumn: 4));
    }

    [Fact]
    public void Fine_tuning_killed_at_random_steps_and_inside_a_checkpoint_write_resumes_bitwise()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 160);
        TinyTasks.Config(vocab).Save(_folder.File("config.json"));
        string[] Args(string output) => ["finetune", "--task", "classify", "--train", files.ClassifyTrain, "--dev", files.ClassifyDev, "--max-dev", "40",
            "--config", _folder.File("config.json"), "--vocab", vocab, "--output", output, "--max-steps", $"{Steps}", "--batch", "8",
            "--grad-accum", "2", "--lr", "2e-3", "--eval-every", "8", "--save-every", $"{SaveEvery}", "--seed", "3", "--log-every", "1"];

        var (straight, killed) = KillThreeTimesThenFinish(Args, FineTuner.ResultsFile, dir => FineTuningCheckpoints.List(dir).Select(c => c.Step).ToList());
        Assert.Equal(Trajectory(straight, timingColumn: 5), Trajectory(killed, timingColumn: 5));
        Assert.Equal(Selection(straight), Selection(killed));

        var again = CliRunner.Run(Args(killed));   // without --resume, a used folder is refused
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"{killed} already holds a fine-tuning run; pass --resume to continue it or choose another --output", again.StdErr);
    }

    /// <summary>Runs <paramref name="args"/> uninterrupted into one folder, and into another with the three kills and
    /// resumes; checks model.safetensors of both; returns both folders. <paramref name="finished"/> is the file a
    /// run writes only at its end.</summary>
    private (string Straight, string Killed) KillThreeTimesThenFinish(Func<string, string[]> args, string finished, Func<string, List<int>> checkpoints)
    {
        string straight = _folder.File("straight"), killed = _folder.File("killed");
        var full = CliRunner.Run(args(straight));
        Assert.True(full.ExitCode == 0, full.StdErr);

        var random = new Random(Seed);
        int resumeFrom = 0;
        for (int kill = 0; kill < 2; kill++)
        {
            int at = kill == 0 ? random.Next(SaveEvery + 1, 3 * SaveEvery) : resumeFrom + random.Next(1, 2 * SaveEvery);
            KillAfterStep(kill == 0 ? args(killed) : [.. args(killed), "--resume"], at);
            Assert.False(File.Exists(Path.Combine(killed, finished)), $"the run finished before the kill after step {at}: make it longer");
            resumeFrom = checkpoints(killed).LastOrDefault();
            log.WriteLine($"kill {kill + 1}: after step {at}; newest checkpoint {resumeFrom}");
        }

        int stallAt = (resumeFrom / SaveEvery + random.Next(1, 3)) * SaveEvery;
        KillInsideCheckpointWrite([.. args(killed), "--resume"], killed, stallAt);
        Assert.DoesNotContain(stallAt, checkpoints(killed));
        int latest = checkpoints(killed).LastOrDefault();
        log.WriteLine($"kill 3: inside the write of checkpoint-{stallAt}; newest checkpoint {latest}");
        Assert.InRange(latest, SaveEvery, stallAt - 1);

        var resumed = CliRunner.Run([.. args(killed), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains($"resumed from {Path.Combine(killed, $"checkpoint-{latest}")} at step {latest}", resumed.StdOut);
        Assert.Empty(Directory.GetDirectories(killed, "*.tmp-*"));
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(straight, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(killed, ModelDirectory.WeightsFile)));
        return (straight, killed);
    }

    /// <summary>Starts the child, reads its log lines until one of step <paramref name="step"/> or later, and kills it (SIGKILL).</summary>
    private static void KillAfterStep(string[] args, int step)
    {
        using var child = CliRunner.Start(args);
        var stderr = child.StandardError.ReadToEndAsync();
        int seen = 0;
        while (seen < step && child.StandardOutput.ReadLine() is { } line)
            if (StepLine().Match(line) is { Success: true } m) seen = int.Parse(m.Groups[1].Value);
        if (seen < step) Assert.Fail($"the run ended before step {step}: {stderr.Result}");
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
    }

    /// <summary>Starts the child with the stall hook on checkpoint-<paramref name="step"/>, waits until its temporary
    /// folder holds the trainer state (written last), and kills it there.</summary>
    private static void KillInsideCheckpointWrite(string[] args, string output, int step)
    {
        string name = $"checkpoint-{step}";
        using var child = CliRunner.Start(new Dictionary<string, string> { [StallHook.Variable] = name }, args);
        var stdout = child.StandardOutput.ReadToEndAsync();
        var stderr = child.StandardError.ReadToEndAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        string? temporary = null;
        while (temporary == null)
        {
            if (child.HasExited) Assert.Fail($"the run ended before stalling in {name}: {stdout.Result} {stderr.Result}");
            if (DateTime.UtcNow > deadline) Assert.Fail($"no filled temporary folder of {name} after 3 minutes");
            temporary = Directory.Exists(output)
                ? Directory.GetDirectories(output, name + ".tmp-*").FirstOrDefault(d => File.Exists(Path.Combine(d, PretrainingCheckpoint.StateJsonFile)))
                : null;
            Thread.Sleep(20);
        }
        Assert.False(child.HasExited, "the stall hook did not hold the child");
        child.Kill(entireProcessTree: true);
        child.WaitForExit();
        Assert.True(Directory.Exists(temporary), "the kill left the filled temporary folder, as a kill before the rename does");
        Assert.False(Directory.Exists(Path.Combine(output, name)));
    }

    /// <summary>metrics.csv without its timing column (tokens or examples per second).</summary>
    private static List<string> Trajectory(string dir, int timingColumn)
    {
        var lines = File.ReadAllLines(Path.Combine(dir, "metrics.csv"));
        Assert.Equal(Steps + 1, lines.Length);   // the header and one line per step, none repeated or missing
        return lines.Select(l => string.Join(',', l.Split(',').Where((_, i) => i != timingColumn))).ToList();
    }

    /// <summary>results.json's best evaluation and every evaluation.</summary>
    private static string Selection(string dir)
    {
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, FineTuner.ResultsFile)));
        return results.RootElement.GetProperty("best").GetRawText() + results.RootElement.GetProperty("evaluations").GetRawText();
    }

    [GeneratedRegex(@"^step (\d+)/")]
    private static partial Regex StepLine();
}
