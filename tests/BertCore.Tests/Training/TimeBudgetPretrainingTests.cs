using BertCore.Backends.Cpu;
using BertCore.Tests.IO;
using BertCore.Training;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>
/// A run driven by a wall-clock budget, on a fake clock that moves one minute per step (in the progress handler,
/// after the step): a budget of 10 minutes with 20% warmup means step k (1-based) sees k − 1 minutes, so its rate is
/// lr · f((k − 1) / 10) with f the linear warmup-then-decay of the budget; step 11 sees the whole budget, gets
/// exactly 0, and is the last. The oracle is that formula written out by hand below.
/// </summary>
public class TimeBudgetPretrainingTests
{
    private const float Lr = 2e-3f;

    private static PretrainerOptions Options(string output) => new()
    {
        MaxSteps = 0, TimeBudget = TimeSpan.FromMinutes(10), WarmupFraction = 0.2, OutputDirectory = output, LearningRate = Lr,
        SaveEvery = 0, EvalBatches = 1, RelationHead = true, Seed = 11,
    };

    /// <summary>The rate of the step that starts <paramref name="minutes"/> into the 10-minute budget.</summary>
    private static double Expected(int minutes) => Lr * (minutes < 2 ? minutes / 2.0 : (10 - minutes) / 8.0);

    private static Pretrainer Trainer(Nn.Heads.BertForPreTraining model, string output, FakeTimeProvider clock) =>
        new(new CpuBackend(), model, Options(output), TinyPretraining.Source(21), TinyPretraining.Source(99), clock: clock);

    [Fact]
    public void The_rate_reaches_zero_at_the_budget_and_the_run_stops_there()
    {
        using var folder = new TempFolder();
        var clock = new FakeTimeProvider();
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        using var trainer = Trainer(model, folder.Root, clock);
        trainer.StepCompleted += _ => clock.Advance(TimeSpan.FromMinutes(1));
        var result = trainer.Run();

        Assert.True(result.Completed);
        Assert.Equal(11, result.Step);
        var rates = MetricsLog.Read(Path.Combine(folder.Root, Pretrainer.MetricsFile)).Select(r => r.LearningRate).ToArray();
        Assert.Equal(11, rates.Length);
        for (int k = 1; k <= 11; k++) Assert.Equal(Expected(k - 1), rates[k - 1], 1e-9);   // float factor × float lr: 1e-9 ≪ lr/8
        Assert.Equal(0.0, rates[^1]);
        Assert.True(File.Exists(Path.Combine(folder.Root, "model.safetensors")), "the final model is written at the budget");
    }

    [Fact]
    public void A_resumed_run_counts_the_time_before_and_lands_at_zero_on_the_same_budget()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var (straight, straightResult) = Run(a.Root, modelSeed: 5, stopAfter: null, resume: false);
        var (_, first) = Run(b.Root, modelSeed: 5, stopAfter: 4, resume: false);
        Assert.False(first.Completed);
        Assert.Equal(240.0, TrainerState.Load(Path.Combine(b.Root, "checkpoint-4", PretrainingCheckpoint.StateJsonFile)).TrainingSeconds);

        // A fresh clock at 0 and another initialization: the time and the weights come from the checkpoint.
        var (resumed, second) = Run(b.Root, modelSeed: 1234, stopAfter: null, resume: true);
        Assert.True(second.Completed);
        Assert.Equal(11, second.Step);
        Assert.Equal(straightResult.Step, second.Step);
        Assert.Equal(straight, resumed);   // on a fake clock the time-driven run is deterministic, so resume is bitwise
        Assert.Equal(0.0, MetricsLog.Read(Path.Combine(b.Root, Pretrainer.MetricsFile))[^1].LearningRate);
    }

    /// <summary>A run on a fresh fake clock (one minute per step), cancelled after step <paramref name="stopAfter"/> if
    /// given, resumed from the newest checkpoint if asked; the weights' digest and the result.</summary>
    private static (string Digest, PretrainingResult Result) Run(string output, int modelSeed, int? stopAfter, bool resume)
    {
        var clock = new FakeTimeProvider();
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: modelSeed);
        using var trainer = Trainer(model, output, clock);
        using var stop = new CancellationTokenSource();
        if (resume) trainer.Resume(PretrainingCheckpoint.Latest(output)!);
        trainer.StepCompleted += p =>
        {
            clock.Advance(TimeSpan.FromMinutes(1));
            if (p.Step == stopAfter) stop.Cancel();
        };
        var result = trainer.Run(stop.Token);
        return (TinyPretraining.Digest(model), result);
    }
}
