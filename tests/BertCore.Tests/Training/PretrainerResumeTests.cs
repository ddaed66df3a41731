using BertCore.Backends.Cpu;
using BertCore.Tests.IO;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary>Exact resume in one process: stop after step 6 of 10, rebuild everything from the checkpoint, finish —
/// the weights are bitwise those of the uninterrupted run (dropout on, gradient accumulation, evaluations between).</summary>
public class PretrainerResumeTests
{
    private static PretrainerOptions Options(string output) => new()
    {
        MaxSteps = 10, OutputDirectory = output, LearningRate = 2e-3f, WarmupSteps = 2, GradientAccumulationSteps = 2,
        SaveEvery = 3, EvalEvery = 5, EvalBatches = 2, RelationHead = true, Seed = 11,
    };

    private static (string Digest, List<MetricsRow> Metrics) Straight(string output)
    {
        using var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        using var trainer = new Pretrainer(new CpuBackend(), model, Options(output), TinyPretraining.Source(21), TinyPretraining.Source(99));
        Assert.True(trainer.Run().Completed);
        return (TinyPretraining.Digest(model), MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile)));
    }

    [Fact]
    public void Resumed_run_ends_bitwise_where_the_uninterrupted_run_ends()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        var (straight, straightMetrics) = Straight(a.Root);

        using (var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5))
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(b.Root), TinyPretraining.Source(21), TinyPretraining.Source(99)))
        using (var stop = new CancellationTokenSource())
        {
            trainer.StepCompleted += p => { if (p.Step == 7) stop.Cancel(); };
            var first = trainer.Run(stop.Token);
            Assert.False(first.Completed);
            Assert.Equal(7, first.Step);
            Assert.Equal(Path.Combine(b.Root, "checkpoint-7"), first.LastCheckpoint);
            Assert.NotEqual(straight, TinyPretraining.Digest(model));
        }

        // New objects; a different initialization seed proves the weights come from the checkpoint.
        using (var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 1234))
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(b.Root), TinyPretraining.Source(21), TinyPretraining.Source(99)))
        {
            trainer.Resume(PretrainingCheckpoint.Latest(b.Root)!);
            Assert.Equal(7, trainer.Step);
            Assert.True(trainer.Run().Completed);
            Assert.Equal(straight, TinyPretraining.Digest(model));
        }
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(a.Root, "model.safetensors")),
            TinyPretraining.Sha256OfFile(Path.Combine(b.Root, "model.safetensors")));
        var resumedMetrics = MetricsLog.Read(Path.Combine(b.Root, Pretrainer.MetricsFile));
        Assert.Equal(straightMetrics.Select(r => (r.Step, r.Loss, r.LearningRate, r.GradNorm, r.EvalMlmAccuracy, r.EvalPerplexity)),
            resumedMetrics.Select(r => (r.Step, r.Loss, r.LearningRate, r.GradNorm, r.EvalMlmAccuracy, r.EvalPerplexity)));
    }

    [Fact]
    public void Resume_refuses_a_checkpoint_written_with_other_training_options()
    {
        using var folder = new TempFolder();
        using (var model = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5))
        using (var trainer = new Pretrainer(new CpuBackend(), model, Options(folder.Root), TinyPretraining.Source(21)))
        {
            trainer.TrainStep();
            trainer.SaveCheckpoint();
        }
        using var other = PretrainingModel.New(TinyPretraining.Config(), relationHead: true, seed: 5);
        using var changed = new Pretrainer(new CpuBackend(), other, Options(folder.Root) with { LearningRate = 1e-3f, GradientAccumulationSteps = 1 },
            TinyPretraining.Source(21));
        var e = Assert.Throws<InvalidOperationException>(() => changed.Resume(Path.Combine(folder.Root, "checkpoint-1")));
        Assert.Contains("LearningRate: 0.002 → 0.001", e.Message);
        Assert.Contains("GradientAccumulationSteps: 2 → 1", e.Message);
    }
}
