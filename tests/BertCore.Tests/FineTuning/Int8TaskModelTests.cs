using BertCore.Backends.Reference;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.Nn;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.FineTuning;

/// <summary>A task model loaded for int8 inference (<see cref="InferencePrecision.Int8"/>): through TaskModel.Load and
/// the CLI's --quantize, its outputs against the same folder in fp32; refused off the CPU.</summary>
public class Int8TaskModelTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SyntheticDataFilesAndModel _tiny;
    private readonly ITestOutputHelper _log;

    private sealed record SyntheticDataFilesAndModel(string Dev, string Model);

    public Int8TaskModelTests(ITestOutputHelper log)
    {
        _log = log;
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 40, ner: 20, qa: 20);
        string model = _folder.File("model");
        using var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Classify, new LabelVocabulary(["0", "1"]), 32), TinyTasks.Config(vocab));
        network.Initialize(3);
        TaskModelDirectory.Save(model, network, vocab);
        _tiny = new SyntheticDataFilesAndModel(files.ClassifyDev, model);
    }

    public void Dispose() => _folder.Dispose();

    private float[] Logits(InferencePrecision precision)
    {
        using var model = TaskModel.Load(_tiny.Model, precision: precision);
        var data = TaskData.Create(TaskFile.Read(_tiny.Dev, TaskKind.Classify), model.Spec, model.Tokenizer);
        return model.Run(data, withTargets: false).Logits.ToArray().SelectMany(l => l).ToArray();
    }

    /// <summary>Every Linear of the network (encoder, pooler, classifier) runs in int8: the logits are not fp32's bits
    /// (so the int8 path ran), yet within 3% of the largest logit. Rounding per Linear is at most half a step of
    /// 1/255 of each token's range and of 1/63 of each channel's largest weight; through 2 layers (6 Linears each),
    /// the pooler and the classifier of this randomly initialized net (logits of order 0.03) it measured 1.3%
    /// (logged), and a real fine-tuned model loses far less (see Int8RealModelTests).</summary>
    [Fact]
    public void Int8_logits_stay_within_three_percent_of_fp32()
    {
        var fp32 = Logits(InferencePrecision.Fp32);
        var int8 = Logits(InferencePrecision.Int8);
        Assert.False(fp32.AsSpan().SequenceEqual(int8), "int8 gave fp32's bits: the quantized path did not run");
        double worst = fp32.Zip(int8).Max(p => Math.Abs(p.First - p.Second)), largest = fp32.Max(Math.Abs);
        _log.WriteLine($"{fp32.Length} logits: max |int8 − fp32| {worst:E2}, largest |logit| {largest:E2}");
        Close.RelativeToMax(int8, fp32, 0.03, "int8 logits");
    }

    [Fact]
    public void Int8_is_refused_off_the_cpu_backend()
    {
        using var backend = new ReferenceBackend();
        var e = Assert.Throws<ArgumentException>(() => TaskModel.Load(_tiny.Model, backend, precision: InferencePrecision.Int8));
        Assert.Equal("int8 inference runs on the CPU backend only, not on reference", e.Message);
    }

    /// <summary>evaluate --quantize int8 prints the int8 model's metrics and predict --quantize int8 writes its labels
    /// and scores (both computed here through TaskModel); an unknown value is a usage error naming the option.</summary>
    [Fact]
    public void Evaluate_and_predict_take_quantize_int8_and_refuse_other_values()
    {
        var run = CliRunner.Run("evaluate", "--model", _tiny.Model, "--data", _tiny.Dev, "--quantize", "int8");
        Assert.True(run.ExitCode == 0, run.StdErr);
        using var model = TaskModel.Load(_tiny.Model, precision: InferencePrecision.Int8);
        Assert.Equal(model.Evaluate(_tiny.Dev).ToJson(), run.StdOut.Trim());

        string input = _folder.File("input.jsonl"), output = _folder.File("output.jsonl");
        var texts = File.ReadAllLines(_tiny.Dev).Skip(1).Select(l => l.Split('\t')[0]).ToArray();
        File.WriteAllLines(input, texts.Select(t => System.Text.Json.JsonSerializer.Serialize(new { text = t })));
        var predict = CliRunner.Run("predict", "--model", _tiny.Model, "--input", input, "--output", output, "--quantize", "int8");
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        var labels = File.ReadAllLines(output).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("label").GetString());
        var scores = File.ReadAllLines(output).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("score").GetDouble()).ToArray();
        var expected = model.Classify(texts.Select(t => (t, (string?)null)).ToArray());
        Assert.Equal(expected.Select(p => p.Label), labels);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i].Score, scores[i], 1e-6);   // as printed in JSON

        var bad = CliRunner.Run("evaluate", "--model", _tiny.Model, "--data", _tiny.Dev, "--quantize", "int4");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--quantize must be none or int8, not 'int4'", bad.StdErr);
    }
}
