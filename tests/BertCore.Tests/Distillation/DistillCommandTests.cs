using System.Globalization;
using System.Text;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Distillation;

/// <summary>`bertcore distill` as a child process on tiny data: every supported task with every loss term, --self,
/// --speed, and usage errors.</summary>
public sealed class DistillCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _vocab, _studentConfig;
    private readonly Dictionary<string, (string Train, string Dev)> _data;

    public DistillCommandTests()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 120, ner: 60, qa: 10);
        _vocab = vocab;
        _studentConfig = _folder.File("student.json");
        (TinyTasks.Config(vocab) with { NumHiddenLayers = 1, HiddenSize = 16, IntermediateSize = 32 }).Save(_studentConfig);
        _data = new()
        {
            ["classify"] = (files.ClassifyTrain, files.ClassifyDev),
            ["pair"] = (Pairs(files.ClassifyTrain, "pair.train.tsv", false), Pairs(files.ClassifyDev, "pair.dev.tsv", false)),
            ["regress"] = (Pairs(files.ClassifyTrain, "regress.train.tsv", true), Pairs(files.ClassifyDev, "regress.dev.tsv", true)),
            ["ner"] = (files.NerTrain, files.NerDev),
        };
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Pairs of consecutive sentiment rows: label 1 when both agree, or a 0–5 score (as FineTuneCommandTests).</summary>
    private string Pairs(string classification, string name, bool regression)
    {
        var rows = File.ReadAllLines(classification).Skip(1).Select(l => l.Split('\t')).ToArray();
        var text = new StringBuilder(regression ? "index\tsentence1\tsentence2\tscore\n" : "index\tsentence1\tsentence2\tlabel\n");
        for (int i = 0; i + 1 < rows.Length; i += 2)
        {
            string label = regression
                ? (2.5 * (int.Parse(rows[i][1]) + int.Parse(rows[i + 1][1]))).ToString("F3", CultureInfo.InvariantCulture)
                : rows[i][1] == rows[i + 1][1] ? "1" : "0";
            text.Append($"{i / 2}\t{rows[i][0]}\t{rows[i + 1][0]}\t{label}\n");
        }
        string path = _folder.File(name);
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private string Teacher(string task)
    {
        var (train, dev) = _data[task];
        string dir = _folder.File("teacher-" + task);
        using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKinds.Parse(task), TrainFile = train, DevFile = dev, Config = TinyTasks.Config(_vocab), VocabPath = _vocab,
        }, new FineTunerOptions { OutputDirectory = dir, MaxSteps = 4, BatchSize = 16, LearningRate = 2e-3f, Seed = 3 });
        job.Run();
        return dir;
    }

    [Theory]
    [InlineData("classify")]
    [InlineData("pair")]
    [InlineData("regress")]
    [InlineData("ner")]
    public void Distill_trains_a_smaller_student_with_every_loss_term_into_a_model_folder(string task)
    {
        var (train, dev) = _data[task];
        string teacher = Teacher(task), student = _folder.File("student-" + task);
        var run = CliRunner.Run("distill", "--teacher", teacher, "--student-config", _studentConfig, "--task", task, "--train", train, "--dev", dev,
            "--output", student, "--max-steps", "4", "--batch", "16", "--lr", "2e-3", "--temperature", "3", "--alpha", "0.7",
            "--hidden-loss", "0.5", "--attention-loss", "0.5", "--log-every", "2");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("teacher logits: computed", run.StdOut);
        Assert.Contains("initialized random", run.StdOut);
        Assert.Contains("step 4/4", run.StdOut);
        Assert.Contains("student: done after 4 steps", run.StdOut);
        using var model = TaskModel.Load(student);
        Assert.Equal(16, model.Config.HiddenSize);
        Assert.Equal(TaskKinds.Parse(task), model.Task);
        Assert.Equal(TaskKinds.Parse(task).Metrics(), model.Evaluate(dev).Values.Select(v => v.Key));
    }

    [Fact]
    public void Self_distillation_fine_tunes_a_teacher_then_the_same_model_again_on_its_soft_labels()
    {
        var (train, dev) = _data["classify"];
        string start = _folder.File("start"), output = _folder.File("self");
        var config = TinyTasks.Config(_vocab);
        using (var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Classify, new(["0", "1"]), 64), config))
        {
            network.Initialize(1);
            TaskModelDirectory.Save(start, network, _vocab);
        }
        var run = CliRunner.Run("distill", "--self", "--model", start, "--task", "classify", "--train", train, "--dev", dev, "--output", output,
            "--max-steps", "3", "--batch", "16", "--lr", "2e-3");
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("teacher: done after 3 steps", run.StdOut);
        Assert.Contains("student: done after 3 steps", run.StdOut);
        Assert.Contains($"initialized from {start}", run.StdOut);
        Assert.True(File.Exists(Path.Combine(output, SelfDistillation.TeacherFolder, ModelDirectory.WeightsFile)));
        using var model = TaskModel.Load(output);
        Assert.Equal(config.HiddenSize, model.Config.HiddenSize);
        Assert.Equal(config.NumHiddenLayers, model.Config.NumHiddenLayers);
    }

    /// <summary>The README's claim: `distill --self` is bitwise the same as `finetune` followed by `distill` from the
    /// fine-tuned teacher, with the starting model as the student's config and initial weights.</summary>
    [Fact]
    public void Self_distillation_is_bitwise_finetune_then_distill()
    {
        var (train, dev) = _data["classify"];
        string start = _folder.File("start");
        using (var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Classify, new(["0", "1"]), 64), TinyTasks.Config(_vocab)))
        {
            network.Initialize(1);
            TaskModelDirectory.Save(start, network, _vocab);
        }
        string[] common = ["--task", "classify", "--train", train, "--dev", dev, "--max-steps", "3", "--batch", "16", "--lr", "2e-3"];
        string self = _folder.File("self"), teacher = _folder.File("teacher"), student = _folder.File("student");
        var run = CliRunner.Run(["distill", "--self", "--model", start, "--output", self, .. common]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        run = CliRunner.Run(["finetune", "--model", start, "--output", teacher, .. common]);
        Assert.True(run.ExitCode == 0, run.StdErr);
        run = CliRunner.Run(["distill", "--teacher", teacher, "--student-config", Path.Combine(start, "config.json"), "--student-init", start,
            "--output", student, .. common]);
        Assert.True(run.ExitCode == 0, run.StdErr);

        AssertSameWeights(Path.Combine(self, SelfDistillation.TeacherFolder), teacher);
        AssertSameWeights(self, student);
    }

    /// <summary>Every tensor of the two model folders' weights has the same name, shape and bits, and training moved
    /// them away from the starting model's.</summary>
    private void AssertSameWeights(string expectedDir, string actualDir)
    {
        using var expected = SafeTensorsFile.Open(Path.Combine(expectedDir, ModelDirectory.WeightsFile));
        using var actual = SafeTensorsFile.Open(Path.Combine(actualDir, ModelDirectory.WeightsFile));
        using var start = SafeTensorsFile.Open(Path.Combine(_folder.File("start"), ModelDirectory.WeightsFile));
        Assert.Equal(expected.Names.Order(), actual.Names.Order());
        foreach (var name in expected.Names)
        {
            Assert.True(Bits(expected, name).SequenceEqual(Bits(actual, name)), $"{name} differs between {expectedDir} and {actualDir}");
        }
        Assert.Contains(expected.Names, name => !Bits(expected, name).SequenceEqual(Bits(start, name)));
        static IEnumerable<int> Bits(SafeTensorsFile file, string name) => file.Floats(name).Select(BitConverter.SingleToInt32Bits);
    }

    [Fact]
    public void Speed_prints_each_models_median_tokens_per_second_and_its_speedup()
    {
        var (train, dev) = _data["classify"];
        string teacher = Teacher("classify"), student = _folder.File("student");
        Assert.Equal(0, CliRunner.Run("distill", "--teacher", teacher, "--student-config", _studentConfig, "--task", "classify", "--train", train,
            "--dev", dev, "--output", student, "--max-steps", "1").ExitCode);
        var run = CliRunner.Run("distill", "--speed", "--teacher", teacher, "--student", student, "--dev", dev, "--rounds", "2");
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var json = System.Text.Json.JsonDocument.Parse(run.StdOut);
        var models = json.RootElement.EnumerateArray().ToArray();
        Assert.Equal(2, models.Length);
        Assert.Equal(1.0, models[0].GetProperty("speedup").GetDouble());
        Assert.Equal(2, models[1].GetProperty("seconds").GetArrayLength());
        Assert.True(models[1].GetProperty("median_tokens_per_s").GetDouble() > 0);
    }

    [Theory]
    [InlineData("--task", "classify", "--train", "t", "--dev", "d", "--output", "o", "--teacher", "x")]
    [InlineData("--task", "classify", "--train", "t", "--dev", "d", "--output", "o", "--self", "--model", "m", "--teacher", "x")]
    [InlineData("--task", "qa", "--train", "t", "--dev", "d", "--output", "o", "--teacher", "x", "--student-config", "tiny")]
    [InlineData("--task", "classify", "--train", "t", "--dev", "d", "--output", "o", "--teacher", "x", "--student-config", "tiny", "--alpha", "2")]
    [InlineData("--task", "classify", "--train", "t", "--dev", "d", "--output", "o", "--teacher", "x", "--student-config", "tiny", "--pooling", "median")]
    [InlineData("--task", "classify", "--train", "t", "--dev", "d", "--output", "o", "--self", "--model", "m", "--pooling", "mean")]
    public void Inconsistent_options_are_usage_errors(params string[] args)
    {
        var run = CliRunner.Run(["distill", .. args]);
        Assert.Equal(2, run.ExitCode);
    }
}
