using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.Data;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.MultiTask;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class MultiTaskTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    /// <summary>A spec of the synthetic sentiment task (240 examples) and NER task (160 sentences), paths relative to the spec.</summary>
    private string SpecFile()
    {
        string path = _jobs.Folder.File("tasks.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new
        {
            tasks = new object[]
            {
                new { name = "sentiment", task = "classify", train = Path.GetFileName(_jobs.Files.ClassifyTrain), dev = Path.GetFileName(_jobs.Files.ClassifyDev) },
                new { name = "entities", task = "ner", train = Path.GetFileName(_jobs.Files.NerTrain), dev = Path.GetFileName(_jobs.Files.NerDev), max_dev = 40 },
            },
        }));
        return path;
    }

    private MultiTaskFineTuner Prepare(string output, int steps) => MultiTaskFineTuner.Prepare(new CpuBackend(), MultiTaskSpec.Load(SpecFile()),
        new FineTuningSetup { Task = TaskKind.Classify, TrainFile = "", Config = TinyTasks.Config(_jobs.Vocab), VocabPath = _jobs.Vocab },
        new FineTunerOptions { OutputDirectory = output, MaxSteps = steps, BatchSize = 16, LearningRate = 2e-3f, Seed = 7 });

    [Fact]
    public void The_spec_reads_tasks_relative_to_its_folder_and_names_the_line_of_an_error()
    {
        var spec = MultiTaskSpec.Load(SpecFile());
        Assert.Equal(["sentiment", "entities"], spec.Tasks.Select(t => t.Name));
        Assert.Equal([TaskKind.Classify, TaskKind.Ner], spec.Tasks.Select(t => t.Task));
        Assert.Equal(Path.GetFullPath(_jobs.Files.NerTrain), spec.Tasks[1].Train);
        Assert.Equal(40, spec.Tasks[1].MaxDev);
        Assert.Null(spec.Tasks[0].MaxTrain);

        string bad = _jobs.Folder.File("bad.json");
        File.WriteAllText(bad, "{\"tasks\": [\n {\"name\": \"a\", \"task\": \"classify\", \"train\": \"x\"},\n {\"name\": \"b\", \"task\": \"parse\", \"train\": \"y\"}\n]}");
        var error = Assert.Throws<InvalidFileException>(() => MultiTaskSpec.Load(bad));
        Assert.Contains(":3", error.Message);
        File.WriteAllText(bad, "{\"tasks\": [{\"name\": \"a\", \"task\": \"classify\", \"train\": \"x\"}]}");
        Assert.Contains("at least two tasks", Assert.Throws<InvalidFileException>(() => MultiTaskSpec.Load(bad)).Message);
    }

    [Fact]
    public void Tasks_are_drawn_in_proportion_to_their_training_size_and_reproducibly()
    {
        var sampler = new TaskSampler([100, 300, 600], seed: 3);
        Assert.Equal([0.1, 0.3, 0.6], sampler.Probabilities.Select(p => Math.Round(p, 12)));
        const int steps = 20000;
        var draws = Enumerable.Range(0, steps).Select(sampler.Task).ToArray();
        Binomial.AssertRate(draws.Count(d => d == 0), steps, 0.1, "task 0");
        Binomial.AssertRate(draws.Count(d => d == 1), steps, 0.3, "task 1");
        Binomial.AssertRate(draws.Count(d => d == 2), steps, 0.6, "task 2");
        Assert.Equal(draws, Enumerable.Range(0, steps).Select(new TaskSampler([100, 300, 600], seed: 3).Task));
        Assert.NotEqual(draws, Enumerable.Range(0, steps).Select(new TaskSampler([100, 300, 600], seed: 4).Task));
    }

    [Fact]
    public void The_encoder_is_one_set_of_parameters_and_a_two_task_run_trains_both_heads()
    {
        string output = _jobs.Folder.File("multi");
        using var tuner = Prepare(output, steps: 30);
        var (sentiment, entities) = (tuner.Networks[0], tuner.Networks[1]);
        // Sizes 240 and 160: the draws follow 0.6 / 0.4.
        Assert.Equal([0.6, 0.4], tuner.Sampler.Probabilities.Select(p => Math.Round(p, 12)));

        // One set of encoder weights: the optimizer holds each encoder parameter once, and a write through one
        // network is seen through the other.
        var encoderNames = entities.Encoder.Parameters().Select(p => p.Name).ToArray();
        Assert.Equal(encoderNames.Length, tuner.Parameters.Count(p => encoderNames.Contains(p.Name)));
        Assert.Equal(sentiment.Model.Parameters().Count() + entities.Head.Sum(m => m.Parameters().Count()), tuner.Parameters.Count);
        var word = entities.Encoder.Embeddings.Word.Weight;
        float original = word.Value.Span[7];
        sentiment.Encoder.Embeddings.Word.Weight.Value.Span[7] = 0.125f;
        Assert.Equal(0.125f, word.Value.Span[7]);
        word.Value.Span[7] = original;

        var heads = tuner.Networks.Select(n => n.Head.SelectMany(m => m.Parameters()).Select(p => p.Value.ToArray()).ToArray()).ToArray();
        var scores = tuner.Run();
        Assert.Equal(30, tuner.Step);
        Assert.Equal(30, tuner.Draws.Sum());
        Assert.All(tuner.Draws, d => Assert.True(d > 0));
        for (int k = 0; k < 2; k++)
        {
            var now = tuner.Networks[k].Head.SelectMany(m => m.Parameters()).Select(p => p.Value.ToArray()).ToArray();
            Assert.All(now.Zip(heads[k]), pair => Assert.NotEqual(pair.Second, pair.First));
        }

        // Each task's folder loads as a task model with the shared encoder and scores as the run did.
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, FineTuner.ResultsFile)));
        Assert.Equal(30, results.RootElement.GetProperty("steps").GetInt32());
        for (int k = 0; k < 2; k++)
        {
            string dir = Path.Combine(output, tuner.Spec.Tasks[k].Name);
            using var model = TaskModel.Load(dir);
            var dev = tuner.Jobs[k].Tuner.Dev!;
            Assert.Equal(scores[k].Dev!.Primary, dev.Score(model.Run(dev)).Primary);
            using var file = SafeTensorsFile.Open(ModelDirectory.WeightsPath(dir));
            using var stored = file.Read("bert.encoder.layer.0.output.dense.weight");
            Assert.Equal(sentiment.Encoder.Layers[0].Parameters().First(p => p.Name == "bert.encoder.layer.0.output.dense.weight").Value.ToArray(), stored.ToArray());
        }
    }
}
