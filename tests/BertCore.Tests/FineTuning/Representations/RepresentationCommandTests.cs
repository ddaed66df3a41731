using System.Text.Json;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Representations;

/// <summary>`bertcore finetune --pooling/--adapters/--features/--freeze-encoder` and `evaluate --features` as child processes.</summary>
public class RepresentationCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _vocab, _config, _train, _dev;

    public RepresentationCommandTests()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 80, ner: 8, qa: 8);
        (_vocab, _train, _dev) = (vocab, files.ClassifyTrain, files.ClassifyDev);
        _config = _folder.File("config.json");
        TinyTasks.Config(vocab).Save(_config);
    }

    public void Dispose() => _folder.Dispose();

    private CliRunner.Result Finetune(string output, params string[] extra) => CliRunner.Run(
        ["finetune", "--task", "classify", "--train", _train, "--dev", _dev, "--output", _folder.File(output), "--max-steps", "4", "--batch", "16", .. extra]);

    [Fact]
    public void Pooling_and_adapters_train_save_and_evaluate()
    {
        string baseModel = _folder.File("base");
        var fromConfig = Finetune("base", "--config", _config, "--vocab", _vocab);
        Assert.True(fromConfig.ExitCode == 0, fromConfig.StdErr);

        var run = Finetune("adapters", "--model", baseModel, "--pooling", "concat-last-2", "--adapters", "4");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("pooling concat-last-2, 0 external features, adapters 4", run.StdOut);
        string output = _folder.File("adapters");
        var spec = TaskSpec.Load(output, ModelDirectory.LoadConfig(output));
        Assert.Equal("concat-last-2", spec.Pooling?.ToString());
        Assert.Equal(4, spec.AdapterSize);
        Assert.Equal(Path.GetFullPath(baseModel), spec.BaseModel);

        var evaluate = CliRunner.Run("evaluate", "--model", output, "--data", _dev);
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, FineTuner.ResultsFile)));
        Assert.Equal(results.RootElement.GetProperty("best").GetProperty("accuracy").GetDouble(),
            JsonDocument.Parse(evaluate.StdOut).RootElement.GetProperty("accuracy").GetDouble());
    }

    [Fact]
    public void Frozen_encoder_with_features_caches_and_evaluate_takes_the_features()
    {
        string Features(string data, string name)
        {
            int n = File.ReadAllLines(data).Length;
            string path = _folder.File(name);
            File.WriteAllLines(path, Enumerable.Range(2, n - 1).Select(line => $"{line}\t{line % 3}\t0.5"));
            return path;
        }
        string train = Features(_train, "train.f"), dev = Features(_dev, "dev.f"), cache = _folder.File("cache");
        var run = Finetune("frozen", "--config", _config, "--vocab", _vocab, "--freeze-encoder", "--pooling", "max", "--feature-cache", cache,
            "--features", train, "--dev-features", dev);
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("pooling max, 2 external features", run.StdOut);
        Assert.Contains("encoder features cached in " + cache, run.StdOut);
        Assert.Single(Directory.GetFiles(cache));

        var evaluate = CliRunner.Run("evaluate", "--model", _folder.File("frozen"), "--data", _dev, "--features", dev);
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        var without = CliRunner.Run("evaluate", "--model", _folder.File("frozen"), "--data", _dev);
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("takes 2 external features per example", without.StdErr);
    }

    [Fact]
    public void Bad_options_are_usage_errors_and_a_bad_features_row_names_file_and_line()
    {
        string[] model = ["--config", _config, "--vocab", _vocab];
        Assert.Equal(2, Finetune("a", [.. model, "--pooling", "median"]).ExitCode);
        Assert.Equal(2, Finetune("b", [.. model, "--adapters", "4"]).ExitCode);                 // no --model to be the base
        Assert.Equal(2, Finetune("c", [.. model, "--features", _train]).ExitCode);              // no --dev-features
        Assert.Equal(2, Finetune("d", [.. model, "--feature-cache", "x"]).ExitCode);            // no --freeze-encoder
        string bad = _folder.File("bad.f");
        File.WriteAllText(bad, "2\t1\n3\tone\n");
        var run = Finetune("e", [.. model, "--features", bad, "--dev-features", bad]);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(bad, run.StdErr);
        Assert.Contains("'one' is not a finite number", run.StdErr);
        Assert.Contains("2", run.StdErr);
    }
}
