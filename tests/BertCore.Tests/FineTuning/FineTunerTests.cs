using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Demo;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Tests.Training;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

public class FineTunerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SyntheticDataFiles _files;
    private readonly string _vocab;

    public FineTunerTests() => (_files, _vocab) = TinyTasks.Write(_folder.Root);

    public void Dispose() => _folder.Dispose();

    /// <summary>The synthetic sentiment dev set uses adjectives the training set lacks (the demo shows what
    /// pretraining adds there); these tests train and evaluate on two parts of the training file instead.</summary>
    private (string Train, string Dev) SplitClassification()
    {
        var lines = File.ReadAllLines(_files.ClassifyTrain);
        string train = _folder.File("classify.part1.tsv"), dev = _folder.File("classify.part2.tsv");
        File.WriteAllLines(train, lines[..200]);
        File.WriteAllLines(dev, [lines[0], .. lines[200..]]);
        return (train, dev);
    }

    private FineTuningJob Job(FineTunerOptions options, TaskKind task = TaskKind.Classify)
    {
        var (train, dev) = task == TaskKind.Classify ? SplitClassification() : (_files.NerTrain, _files.NerDev);
        return FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = task, TrainFile = train, DevFile = dev, Config = TinyTasks.Config(_vocab), VocabPath = _vocab,
        }, options);
    }

    [Fact]
    public void Classification_reaches_high_dev_accuracy_and_keeps_the_best_checkpoint()
    {
        string output = _folder.File("out");
        using var job = Job(new FineTunerOptions { OutputDirectory = output, Epochs = 12, BatchSize = 16, LearningRate = 2e-3f, Seed = 5, KeepCheckpoints = 1 });
        var result = job.Run();

        // The labels are a function of the words (adjective, negation); chance is 0.5.
        Assert.True(result.Completed);
        var best = result.Best!;
        Assert.True(best.Scores.Primary >= 0.9, $"best dev accuracy {best.Scores.Primary}");
        Assert.Equal(result.Evaluations.First(e => e.Scores.Primary == result.Evaluations.Max(x => x.Scores.Primary)).Step, best.Step);
        Assert.Equal(12, result.Evaluations.Count);   // one per epoch

        // The best checkpoint and the newest other one survive; the output folder holds the best model.
        var kept = FineTuningCheckpoints.List(output).Select(c => c.Step).ToArray();
        Assert.Contains(best.Step, kept);
        Assert.Contains(result.Steps, kept);
        Assert.True(kept.Length <= 2, string.Join(", ", kept));
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(best.Checkpoint, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(output, ModelDirectory.WeightsFile)));
        using (var model = TaskModel.Load(output))
            Assert.Equal(best.Scores.Primary, model.Evaluate(job.Tuner.Dev!.File.Source)["accuracy"]);

        // Hugging Face layout with the labels, and the run's records.
        var config = BertConfig.Load(Path.Combine(output, ModelDirectory.ConfigFile));
        Assert.Equal(2, config.NumLabels);
        Assert.Equal("0", config.Id2Label![0]);
        Assert.Equal(1, config.Label2Id!["1"]);
        Assert.Equal("single_label_classification", config.ProblemType);
        Assert.Equal(["BertForSequenceClassification"], config.Architectures!);
        Assert.Equal(File.ReadAllBytes(_vocab), File.ReadAllBytes(Path.Combine(output, ModelDirectory.VocabFile)));
        Assert.Equal(result.Steps + 1, File.ReadAllLines(Path.Combine(output, FineTuningLog.FileName)).Length);
        Assert.True(File.Exists(Path.Combine(output, FineTuningLog.FileName)) && !File.Exists(Path.Combine(output, "loss.png")));
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, FineTuner.ResultsFile)));
        Assert.Equal(best.Step, results.RootElement.GetProperty("best").GetProperty("step").GetInt32());
    }

    [Fact]
    public void Early_stopping_ends_the_run_after_patience_evaluations_without_improvement()
    {
        // At a learning rate of 1e-9 the weights barely move, so the dev score never beats the first evaluation.
        using var job = Job(new FineTunerOptions
        {
            OutputDirectory = _folder.File("out"), Epochs = 5, BatchSize = 16, LearningRate = 1e-9f, EvalEvery = 2, Patience = 2,
        });
        var result = job.Run();
        Assert.True(result.StoppedEarly);
        Assert.Equal(6, result.Steps);
        Assert.Equal([2, 4, 6], result.Evaluations.Select(e => e.Step));
        Assert.Equal(2, result.Best!.Step);
        Assert.True(job.Tuner.TotalSteps > 6);
    }

    [Fact]
    public void The_same_seed_gives_bitwise_identical_weights_and_another_seed_differs()
    {
        string Train(string name, int seed)
        {
            using var job = Job(new FineTunerOptions { OutputDirectory = _folder.File(name), MaxSteps = 6, BatchSize = 8, LearningRate = 1e-3f, Seed = seed },
                TaskKind.Ner);
            job.Run();
            return TinyPretraining.Sha256OfFile(Path.Combine(_folder.File(name), ModelDirectory.WeightsFile));
        }
        string a = Train("a", 3);
        Assert.Equal(a, Train("b", 3));
        Assert.NotEqual(a, Train("c", 4));
    }

    [Fact]
    public void Steps_warmup_and_the_learning_rate_follow_the_options()
    {
        string output = _folder.File("out");
        using var job = Job(new FineTunerOptions
        {
            OutputDirectory = output, Epochs = 2, BatchSize = 10, GradientAccumulationSteps = 4, LearningRate = 1e-3f, WarmupRatio = 0.25f,
        });
        // 199 examples / 10 = 20 micro-batches = 5 steps of 4 per epoch; warmup ⌈10 · 0.25⌉ = 3 steps.
        Assert.Equal(5, job.Tuner.StepsPerEpoch);
        Assert.Equal(10, job.Tuner.TotalSteps);
        Assert.Equal(3, job.Tuner.WarmupSteps);
        var rates = new List<double>();
        job.Tuner.StepCompleted += p => rates.Add(p.LearningRate);
        job.Run();
        double[] expected = [0, 1e-3 / 3, 2e-3 / 3, 1e-3, 6e-3 / 7, 5e-3 / 7, 4e-3 / 7, 3e-3 / 7, 2e-3 / 7, 1e-3 / 7];
        Assert.Equal(expected.Length, rates.Count);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], rates[i], 1e-9);
    }

    [Fact]
    public void Two_accumulated_micro_batches_give_the_gradient_of_their_union()
    {
        // Without dropout the gradient is a function of the batch alone; each micro-batch's mean loss is scaled by
        // 1/2, so two micro-batches of 8 sentences give the gradient of the mean over all 16 (padded differently).
        // (Classification: the loss is a mean over rows. NER's is a mean over tagged tokens, which micro-batches split
        // unevenly, as in Hugging Face.)
        float[][] Gradients(bool accumulate)
        {
            using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
            {
                Task = TaskKind.Classify, TrainFile = SplitClassification().Train, Config = TinyTasks.Config(_vocab) with { HiddenDropoutProb = 0, AttentionProbsDropoutProb = 0 },
                VocabPath = _vocab,
            }, new FineTunerOptions { OutputDirectory = _folder.File("out"), BatchSize = 8, GradientAccumulationSteps = accumulate ? 2 : 1, Seed = 2 });
            int[] first = [0, 5, 9, 14, 20, 33, 41, 50], second = [1, 2, 3, 60, 61, 62, 63, 64];
            var batches = accumulate
                ? new[] { job.Tuner.Train.Batch(first), job.Tuner.Train.Batch(second) }
                : new[] { job.Tuner.Train.Batch([.. first, .. second]) };
            job.Tuner.TrainStep(batches);
            return job.Network.Model.Parameters().Select(p => p.Grad.Span.ToArray()).ToArray();
        }
        var accumulated = Gradients(accumulate: true);
        var whole = Gradients(accumulate: false);
        // fp32 sums over differently padded batches: rounding differences only, far below a wrong 1/k scaling (2×).
        for (int i = 0; i < whole.Length; i++) Close.RelativeToMax(accumulated[i], whole[i], 1e-4, $"gradient {i}");
    }
}
