using System.Text.Json;
using BertCore.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

/// <summary>`bertcore finetune` with the technique flags and --multitask, as child processes.</summary>
public class TechniqueCommandTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();
    private readonly string _config;

    public TechniqueCommandTests()
    {
        _config = _jobs.Folder.File("config.json");
        TinyTasks.Config(_jobs.Vocab).Save(_config);
    }

    public void Dispose() => _jobs.Dispose();

    [Fact]
    public void The_technique_flags_run_together_and_the_model_evaluates()
    {
        string pretrained = _jobs.PretrainedFolder(seed: 2), output = _jobs.Folder.File("out");
        var run = CliRunner.Run("finetune", "--task", "classify", "--train", _jobs.Files.ClassifyTrain, "--dev", _jobs.Files.ClassifyDev,
            "--model", pretrained, "--output", output, "--max-steps", "6", "--batch", "16", "--lr", "2e-3", "--seed", "3", "--log-every", "3",
            "--schedule", "stlr", "--layer-decay", "0.8", "--unfreeze-every", "2", "--aux-mlm", "0.5", "--tapt-steps", "4", "--augment", "1");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("task-adaptive pretraining: 4 MLM steps", run.StdOut);
        Assert.Contains("480 training examples", run.StdOut);   // 240 and one augmented copy of each
        Assert.Contains("done after 6 steps", run.StdOut);
        var evaluate = CliRunner.Run("evaluate", "--model", output, "--data", _jobs.Files.ClassifyDev);
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);

        var bad = CliRunner.Run("finetune", "--task", "classify", "--train", _jobs.Files.ClassifyTrain, "--dev", _jobs.Files.ClassifyDev,
            "--model", pretrained, "--output", _jobs.Folder.File("bad"), "--schedule", "step");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--schedule", bad.StdErr);
        var ner = CliRunner.Run("finetune", "--task", "ner", "--train", _jobs.Files.NerTrain, "--dev", _jobs.Files.NerDev,
            "--model", pretrained, "--output", _jobs.Folder.File("ner"), "--augment", "1");
        Assert.Equal(1, ner.ExitCode);
        Assert.Contains("not ner", ner.StdErr);
    }

    [Fact]
    public void Beta2_and_adam_eps_reach_the_optimizer_options()
    {
        string output = _jobs.Folder.File("adam");
        var run = CliRunner.Run("finetune", "--task", "classify", "--train", _jobs.Files.ClassifyTrain, "--dev", _jobs.Files.ClassifyDev,
            "--config", _config, "--vocab", _jobs.Vocab, "--output", output, "--max-steps", "2", "--batch", "16", "--save-every", "2",
            "--beta2", "0.98", "--adam-eps", "1e-7");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        var state = FineTuningState.Load(Path.Combine(FineTuningCheckpoints.Latest(output)!, BertCore.Training.PretrainingCheckpoint.StateJsonFile));
        Assert.Equal((0.98f, 1e-7f), (state.Options.Beta2, state.Options.Eps));
        var bad = CliRunner.Run("finetune", "--task", "classify", "--train", _jobs.Files.ClassifyTrain, "--config", _config, "--vocab", _jobs.Vocab,
            "--output", _jobs.Folder.File("bad-adam"), "--beta2", "1");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--beta2 must be in [0, 1)", bad.StdErr);
    }

    [Fact]
    public void Multitask_saves_a_folder_per_task_that_evaluate_and_predict_load()
    {
        string spec = _jobs.Folder.File("tasks.json"), output = _jobs.Folder.File("multi");
        File.WriteAllText(spec, JsonSerializer.Serialize(new
        {
            tasks = new object[]
            {
                new { name = "sentiment", task = "classify", train = _jobs.Files.ClassifyTrain, dev = _jobs.Files.ClassifyDev },
                new { name = "entities", task = "ner", train = _jobs.Files.NerTrain, dev = _jobs.Files.NerDev },
            },
        }));
        var run = CliRunner.Run("finetune", "--multitask", spec, "--config", _config, "--vocab", _jobs.Vocab, "--output", output,
            "--max-steps", "10", "--batch", "16", "--lr", "2e-3", "--log-every", "5");
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("step 10/10", run.StdOut);
        foreach (var (name, data) in new[] { ("sentiment", _jobs.Files.ClassifyDev), ("entities", _jobs.Files.NerDev) })
        {
            var evaluate = CliRunner.Run("evaluate", "--model", Path.Combine(output, name), "--data", data);
            Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        }
        string input = _jobs.Folder.File("input.jsonl"), predictions = _jobs.Folder.File("predictions.jsonl");
        File.WriteAllText(input, "{\"text\": \"a good film\"}\n");
        var predict = CliRunner.Run("predict", "--model", Path.Combine(output, "sentiment"), "--input", input, "--output", predictions);
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        Assert.Single(File.ReadAllLines(predictions));
        Assert.True(File.Exists(Path.Combine(output, FineTuner.ResultsFile)));

        var mixed = CliRunner.Run("finetune", "--multitask", spec, "--task", "classify", "--config", _config, "--vocab", _jobs.Vocab, "--output", _jobs.Folder.File("x"));
        Assert.Equal(2, mixed.ExitCode);
    }
}
