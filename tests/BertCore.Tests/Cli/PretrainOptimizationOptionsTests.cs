using BertCore.Demo;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>The optimization options of `pretrain` reach the trainer: a packed run (--pack) on a wall-clock budget alone (no
/// --max-steps) with AdamW β2 and eps, a masking-rate schedule and a batch ramp, read back from its checkpoint's
/// trainer_state.json.</summary>
public class PretrainOptimizationOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-pretrain-optim-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_budget_run_takes_the_options_and_records_them_in_its_checkpoint()
    {
        var data = SyntheticData.Write(Path.Combine(_dir, "data"), corpusDocuments: 20, classifyTrain: 4, nerTrain: 4, qaTrain: 4);
        var vocab = Path.Combine(_dir, "vocab.txt");
        var r = CliRunner.Run("vocab", "--corpus", data.Corpus, "--size", "200", "--output", vocab);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var output = Path.Combine(_dir, "model");
        string[] args = ["pretrain", "--corpus", data.Corpus, "--vocab", vocab, "--config", "tiny", "--output", output, "--batch", "4",
            "--seq", "32", "--pack", "--grad-accum", "2", "--max-minutes", "0.05", "--warmup-fraction", "0.1", "--beta2", "0.98", "--adam-eps", "1e-8",
            "--mask-prob", "0.3:0.15", "--batch-ramp", "4:0.5"];
        r = CliRunner.Run(args);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);

        var checkpoint = PretrainingCheckpoint.Latest(output)!;
        var state = TrainerState.Load(Path.Combine(checkpoint, PretrainingCheckpoint.StateJsonFile));
        Assert.Equal(0, state.Options.MaxSteps);
        Assert.Equal(TimeSpan.FromSeconds(3), state.Options.TimeBudget);
        Assert.Equal(0.1, state.Options.WarmupFraction, 6);
        Assert.Equal((0.98f, 1e-8f), (state.Options.Beta2, state.Options.Eps));
        Assert.Equal(new MaskRateSchedule(0.3, 0.15), state.Options.MaskRate);
        Assert.Equal(new BatchRamp(StartMicroBatches: 1, Fraction: 0.5), state.Options.BatchRamp);
        Assert.InRange(state.TrainingSeconds, 3, 600);   // the run stops at the first step that ends past the budget

        var missingSteps = CliRunner.Run("pretrain", "--corpus", data.Corpus, "--vocab", vocab, "--config", "tiny", "--output", Path.Combine(_dir, "x"));
        Assert.Equal(2, missingSteps.ExitCode);
        Assert.Contains("--max-steps N (at least 1) is required unless --max-minutes is given", missingSteps.StdErr);
        var badRamp = CliRunner.Run([.. args[..^1], "3:0.5"]);
        Assert.Equal(2, badRamp.ExitCode);
        Assert.Contains("--batch-ramp 3:0.5: S must be a multiple of --batch 4", badRamp.StdErr);
    }
}
