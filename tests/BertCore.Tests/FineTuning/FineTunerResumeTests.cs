using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Tests.IO;
using BertCore.Tests.Training;
using BertCore.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>Exact fine-tuning resume in one process: stop after step 11 of 16 (in the second epoch, between the
/// checkpoints of evaluations and SaveEvery: the stop writes its own), rebuild everything, zero the weights, resume,
/// finish — the weights, metrics.csv and the model selection are bitwise those of the uninterrupted run (dropout on,
/// gradient accumulation, evaluations every 3 steps).</summary>
public class FineTunerResumeTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly BertCore.Demo.SyntheticDataFiles _files;
    private readonly string _vocab;

    public FineTunerResumeTests() => (_files, _vocab) = TinyTasks.Write(_folder.Root, classify: 120);

    public void Dispose() => _folder.Dispose();

    private FineTuningJob Job(string output) => FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
    {
        Task = TaskKind.Classify, TrainFile = _files.ClassifyTrain, DevFile = _files.ClassifyDev, MaxDevExamples = 40,
        Config = TinyTasks.Config(_vocab), VocabPath = _vocab,
    }, new FineTunerOptions
    {
        OutputDirectory = output, Epochs = 2, BatchSize = 8, GradientAccumulationSteps = 2, LearningRate = 2e-3f, EvalEvery = 3,
        SaveEvery = 2, KeepCheckpoints = 1, Seed = 4,
    });

    [Fact]
    public void Resumed_run_ends_bitwise_where_the_uninterrupted_run_ends()
    {
        string straight = _folder.File("straight"), resumed = _folder.File("resumed");
        string straightDigest;
        using (var job = Job(straight))
        {
            Assert.Equal(16, job.Tuner.TotalSteps);
            Assert.True(job.Run().Completed);
            straightDigest = TinyPretraining.Digest(job.Network.Model);
        }

        using (var job = Job(resumed))
        using (var stop = new CancellationTokenSource())
        {
            job.Tuner.StepCompleted += p => { if (p.Step == 11) stop.Cancel(); };
            var first = job.Run(stop.Token);
            Assert.False(first.Completed);
            Assert.Equal(11, first.Steps);
        }
        Assert.Equal(Path.Combine(resumed, "checkpoint-11"), FineTuningCheckpoints.Latest(resumed));

        using (var job = Job(resumed))
        {
            foreach (var p in job.Network.Model.Parameters()) p.Value.Span.Clear();   // the weights must come from the checkpoint
            job.Tuner.Resume(FineTuningCheckpoints.Latest(resumed)!);
            Assert.Equal(11, job.Tuner.Step);
            Assert.True(job.Run().Completed);
            Assert.Equal(straightDigest, TinyPretraining.Digest(job.Network.Model));
        }

        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(straight, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(resumed, ModelDirectory.WeightsFile)));
        Assert.Equal(Trajectory(straight), Trajectory(resumed));
        Assert.Equal(17, Trajectory(resumed).Count);   // the header and one line per step
        Assert.Equal(Selection(straight), Selection(resumed));
        Assert.Equal(FineTuningCheckpoints.List(straight).Select(c => c.Step), FineTuningCheckpoints.List(resumed).Select(c => c.Step));
        Assert.False(File.Exists(Path.Combine(resumed, PretrainingCheckpoint.StateJsonFile)), "the published model has no trainer state");
    }

    [Fact]
    public void Resume_refuses_a_checkpoint_written_with_other_options()
    {
        string output = _folder.File("out");
        using (var job = Job(output))
        {
            job.Tuner.TrainStep([job.Tuner.Train.Batch([0, 1, 2])]);
            job.Tuner.SaveCheckpoint();
        }
        using var other = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = _files.ClassifyTrain, Config = TinyTasks.Config(_vocab), VocabPath = _vocab,
        }, new FineTunerOptions { OutputDirectory = output, Epochs = 2, BatchSize = 8, GradientAccumulationSteps = 2, LearningRate = 1e-3f,
            EvalEvery = 3, SaveEvery = 5, KeepCheckpoints = 0, Seed = 4 });
        var e = Assert.Throws<InvalidOperationException>(() => other.Tuner.Resume(FineTuningCheckpoints.Latest(output)!));
        Assert.Equal($"{Path.Combine(output, "checkpoint-1")} was written with other fine-tuning options (LearningRate: 0.002 → 0.001); " +
            "an exact resume needs the same ones", e.Message);
    }

    /// <summary>metrics.csv without the examples/s column (a timing).</summary>
    private static List<string> Trajectory(string dir) =>
        File.ReadAllLines(Path.Combine(dir, FineTuningLog.FileName)).Select(l => string.Join(',', l.Split(',').Where((_, i) => i != 5))).ToList();

    /// <summary>results.json's best evaluation and every evaluation.</summary>
    private static string Selection(string dir)
    {
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, FineTuner.ResultsFile)));
        return results.RootElement.GetProperty("best").GetRawText() + results.RootElement.GetProperty("evaluations").GetRawText();
    }
}
