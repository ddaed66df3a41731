using System.Text.RegularExpressions;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>`bertcore pretrain` as a child process, on the pre-masked stream path (--batches).</summary>
public partial class PretrainCommandTests
{
    private const int Steps = 100, KillAfter = 13;

    /// <summary>A 16-batch stream of the synthetic source, its vocabulary, and the command line of a run into
    /// <paramref name="output"/>: the small test model (dropout 0.1, a few milliseconds a step), MLM + NSP,
    /// checkpoints every 10 steps. The kill comes after step 13, far from the end, however fast the machine.</summary>
    private static string[] Args(TempFolder folder, string output)
    {
        var stream = folder.File("stream.safetensors");
        if (!File.Exists(stream))
        {
            var source = TinyPretraining.Source(seed: 17, batch: 8);
            PreMaskedBatchFile.Write(stream, Enumerable.Range(0, 16).Select(_ => source.Next()).ToArray());
            TinyPretraining.WriteVocab(folder.Root);
            TinyPretraining.Config().Save(folder.File("config.json"));
        }
        return ["pretrain", "--batches", stream, "--vocab", folder.File("vocab.txt"), "--config", folder.File("config.json"), "--output", output,
            "--max-steps", $"{Steps}", "--save-every", "10", "--lr", "1e-3", "--warmup", "5", "--seed", "3", "--objective", "mlm+nsp",
            "--eval-corpus", stream, "--eval-every", "25", "--eval-batches", "2", "--log-every", "1"];
    }

    [Fact]
    public async Task A_killed_run_resumed_ends_bitwise_equal_to_an_uninterrupted_run()
    {
        using var folder = new TempFolder();
        string straight = folder.File("straight"), killed = folder.File("killed");
        var full = CliRunner.Run(Args(folder, straight));
        Assert.True(full.ExitCode == 0, full.StdErr);

        using (var child = CliRunner.Start(Args(folder, killed)))
        {
            var stderr = child.StandardError.ReadToEndAsync();
            int step = 0;
            while (step < KillAfter && child.StandardOutput.ReadLine() is { } line)
                if (StepLine().Match(line) is { Success: true } m) step = int.Parse(m.Groups[1].Value);
            if (step < KillAfter) Assert.Fail($"the run ended before step {KillAfter}: {await stderr}");
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        Assert.False(File.Exists(Path.Combine(killed, "model.safetensors")), "the run finished before the kill: make it longer");
        var lastCheckpoint = PretrainingCheckpoint.List(killed)[^1].Step;
        Assert.InRange(lastCheckpoint, 10, Steps - 10);
        // The kill races the child: usually rows past the checkpoint were logged (and the resume must drop them, see
        // MetricsLogTests), but a fast child may have just written a checkpoint; both must resume exactly.
        Assert.True(MetricsLog.Read(Path.Combine(killed, Pretrainer.MetricsFile)).Count >= lastCheckpoint, "rows up to the checkpoint were logged");

        var resumed = CliRunner.Run([.. Args(folder, killed), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains($"resumed from {Path.Combine(killed, $"checkpoint-{lastCheckpoint}")} at step {lastCheckpoint}", resumed.StdOut);

        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(straight, "model.safetensors")),
            TinyPretraining.Sha256OfFile(Path.Combine(killed, "model.safetensors")));
        static IEnumerable<(int, double, double, double)> Trajectory(string dir) =>
            MetricsLog.Read(Path.Combine(dir, Pretrainer.MetricsFile)).Select(r => (r.Step, r.Loss, r.LearningRate, r.EvalPerplexity));
        Assert.Equal(Trajectory(straight), Trajectory(killed));
        Assert.Equal(Enumerable.Range(1, Steps), Trajectory(killed).Select(r => r.Item1));
    }

    [Fact]
    public void Refuses_cuda_an_occupied_output_folder_and_conflicting_options()
    {
        using var folder = new TempFolder();
        string output = folder.File("out");
        var args = Args(folder, output);

        var cuda = CliRunner.Run([.. args, "--device", "cuda"]);
        Assert.Equal(1, cuda.ExitCode);
        Assert.Contains("--device cuda", cuda.StdErr);   // no driver here; on a GPU machine, host-resident parameters
        Assert.False(Directory.Exists(output));

        Directory.CreateDirectory(Path.Combine(output, "checkpoint-10"));
        File.WriteAllText(Path.Combine(output, "checkpoint-10", PretrainingCheckpoint.StateJsonFile), "{}");
        var occupied = CliRunner.Run(args);
        Assert.Equal(1, occupied.ExitCode);
        Assert.Contains("already holds checkpoint-10; pass --resume", occupied.StdErr);

        var both = CliRunner.Run([.. args, "--init", folder.Root]);
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("exactly one of --config and --init", both.StdErr);
    }

    [GeneratedRegex(@"^step (\d+)/")]
    private static partial Regex StepLine();
}
