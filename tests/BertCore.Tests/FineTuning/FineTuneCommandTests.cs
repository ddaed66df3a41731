using System.Text.Json;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Metrics;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.FineTuning;

/// <summary>`bertcore finetune`, `evaluate` and `predict` as child processes, for every task, on tiny data.</summary>
public class FineTuneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly ITestOutputHelper _output;
    private readonly string _vocab, _config;
    private readonly Dictionary<string, (string Train, string Dev)> _data;

    public FineTuneCommandTests(ITestOutputHelper output)
    {
        _output = output;
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 960, ner: 240, qa: 400);
        _vocab = vocab;
        _config = _folder.File("config.json");
        (TinyTasks.Config(vocab) with { HiddenSize = 64, NumAttentionHeads = 4, IntermediateSize = 128 }).Save(_config);
        // The synthetic sentiment dev file uses adjectives its training file lacks (what pretraining adds); a model
        // from random initialization is scored on another part of the training file instead.
        string train = TinyTasks.Part(files.ClassifyTrain, _folder.File("part1.tsv"), ..720), dev = TinyTasks.Part(files.ClassifyTrain, _folder.File("part2.tsv"), 720..);
        _data = new()
        {
            ["classify"] = (train, dev),
            ["pair"] = (TinyTasks.Pairs(train, _folder.File("pair.train.tsv"), regression: false), TinyTasks.Pairs(dev, _folder.File("pair.dev.tsv"), regression: false)),
            ["regress"] = (TinyTasks.Pairs(train, _folder.File("regress.train.tsv"), regression: true), TinyTasks.Pairs(dev, _folder.File("regress.dev.tsv"), regression: true)),
            ["ner"] = (files.NerTrain, files.NerDev),
            ["qa"] = (files.QaTrain, files.QaDev),
        };
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>
    /// Trains until the model has learnt the task (a bar on one of evaluate's metrics, well above what a model that
    /// learnt nothing scores), then checks, on the dev examples, that predict's output lines state exactly the
    /// per-example predictions that evaluate scores (TaskModel.Run over the labelled file, decoded as evaluate
    /// decodes it), and that the metrics computed from predict's lines are evaluate's metrics.
    /// </summary>
    [Theory]
    [InlineData("classify", 240, "accuracy", 0.8)]     // chance 0.5
    [InlineData("pair", 240, "f1", 0.7)]               // of label 1 ("both positive", a quarter of the pairs): 0 for all 0
    [InlineData("regress", 480, "pearson", 0.7)]       // 0 for a model that learnt nothing
    [InlineData("ner", 160, "f1", 0.8)]                // entities: 0 for all "O"
    [InlineData("qa", 500, "exact_match", 70.0)]       // answering the commonest of the three asked slots scores 34
    public void Finetune_learns_then_evaluate_and_predict_agree_on_every_example(string task, int steps, string metric, double bar)
    {
        var (train, dev) = _data[task];
        var kind = TaskKinds.Parse(task);
        string model = _folder.File("model-" + task);
        var finetune = CliRunner.Run("finetune", "--task", task, "--train", train, "--dev", dev, "--config", _config, "--vocab", _vocab,
            "--output", model, "--max-steps", $"{steps}", "--batch", "16", "--lr", "1e-3", "--eval-every", $"{steps / 2}", "--seed", "3",
            "--log-every", $"{steps / 2}");
        Assert.True(finetune.ExitCode == 0, finetune.StdErr);
        Assert.Contains($"done after {steps} steps", finetune.StdOut);
        Assert.Contains($"eval at step {steps / 2}", finetune.StdOut);
        Assert.Equal(kind, TaskSpec.Load(model, ModelDirectory.LoadConfig(model)).Task);

        var evaluate = CliRunner.Run("evaluate", "--model", model, "--data", dev);
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        using var metrics = JsonDocument.Parse(evaluate.StdOut);
        Assert.Equal(kind.Metrics(), metrics.RootElement.EnumerateObject().Select(p => p.Name));
        _output.WriteLine($"{task} after {steps} steps: {evaluate.StdOut.Trim()}");
        double learnt = metrics.RootElement.GetProperty(metric).GetDouble();
        Assert.True(learnt >= bar, $"{metric} {learnt} < {bar}: the model did not learn");

        string input = _folder.File(task + ".input.jsonl"), predictions = _folder.File(task + ".predictions.jsonl");
        var file = TaskFile.Read(dev, kind);
        File.WriteAllLines(input, Inputs(file));
        var predict = CliRunner.Run("predict", "--model", model, "--input", input, "--output", predictions);
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        var outputs = File.ReadAllLines(predictions).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(file.Count, outputs.Length);

        var (evaluated, scores) = Evaluated(model, file);
        Assert.Equal(evaluate.StdOut.Trim(), scores.ToJson());
        Assert.Equal(evaluated, outputs.Select((o, i) => Stated(o, file, i)));
        foreach (var (name, value) in Score(file, outputs))
            Assert.Equal(metrics.RootElement.GetProperty(name).GetDouble(), value);
    }

    /// <summary>The per-example predictions that evaluate scores, and its scores: the labelled file run through the
    /// model (as <see cref="TaskModel.Evaluate"/> does) and decoded, each stated as <see cref="Stated"/> states a line.</summary>
    private static (string[] Predictions, TaskScores Scores) Evaluated(string dir, TaskFile file)
    {
        using var model = TaskModel.Load(dir, batchSize: 64);
        var data = TaskData.Create(file, model.Spec, model.Tokenizer);
        var outputs = model.Run(data);
        string[] predictions = data switch
        {
            TokenTaskData ner => ner.Tags(outputs).Select(tags => string.Join(' ', tags)).ToArray(),
            QaTaskData qa => qa.Answers(outputs).Select((a, i) => Answer(a.Best.Text, CodePoints.FromUtf16Index(file.Questions![i].Context, a.Best.Start),
                CodePoints.FromUtf16Index(file.Questions[i].Context, a.Best.End), a.Best.Probability)).ToArray(),
            SequenceTaskData sequences when file.Task == TaskKind.Regress => sequences.Values(outputs).Select(v => Value(v)).ToArray(),
            SequenceTaskData sequences => sequences.Classes(outputs).Select(c => Class(c.Label, c.Score)).ToArray(),
            _ => throw new ArgumentException(file.Task.Name()),
        };
        return (predictions, data.Score(outputs));
    }

    /// <summary>What predict's output line <paramref name="i"/> predicts, with every number exact.</summary>
    private static string Stated(JsonElement line, TaskFile file, int i) => file.Task switch
    {
        TaskKind.Ner => string.Join(' ', line.GetProperty("tags").EnumerateArray().Select(t => t.GetString())),
        TaskKind.Qa => Answer(line.GetProperty("answer").GetString()!, line.GetProperty("start").GetInt32(), line.GetProperty("end").GetInt32(),
            line.GetProperty("score").GetDouble()),
        TaskKind.Regress => Value(line.GetProperty("value").GetSingle()),
        _ => Class(line.GetProperty("label").GetString()!, line.GetProperty("score").GetDouble()),
    };

    private static string Answer(string text, int start, int end, double probability) =>
        $"{text} [{start}, {end}) p {BitConverter.DoubleToInt64Bits(probability):x16}";

    private static string Value(float value) => $"{BitConverter.SingleToInt32Bits(value):x8}";

    private static string Class(string label, double probability) => $"{label} p {BitConverter.DoubleToInt64Bits(probability):x16}";

    /// <summary>The dev examples as predict's JSONL input lines (without labels).</summary>
    private static IEnumerable<string> Inputs(TaskFile file) => file.Task switch
    {
        TaskKind.Ner => file.Sentences!.Select(s => JsonSerializer.Serialize(new { tokens = s.Words })),
        TaskKind.Qa => file.Questions!.Select(q => JsonSerializer.Serialize(new { id = q.Id, question = q.Question, context = q.Context })),
        TaskKind.Classify => file.Sequences!.Select(e => JsonSerializer.Serialize(new { text = e.Text })),
        _ => file.Sequences!.Select(e => JsonSerializer.Serialize(new { text = e.Text, text_pair = e.TextPair })),
    };

    /// <summary>The task's metrics computed from predict's output lines against the dev labels.</summary>
    private static IEnumerable<(string Name, double Value)> Score(TaskFile file, JsonElement[] outputs)
    {
        switch (file.Task)
        {
            case TaskKind.Ner:
                var tags = outputs.Select(o => (IReadOnlyList<string>)o.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray()).ToArray();
                var entities = SeqEval.Score(file.Sentences!.Select(s => s.Tags!).ToArray(), tags);
                return [("precision", entities.Precision), ("recall", entities.Recall), ("f1", entities.F1)];
            case TaskKind.Qa:
                for (int i = 0; i < outputs.Length; i++)
                {
                    var context = file.Questions![i].Context;
                    int start = outputs[i].GetProperty("start").GetInt32(), end = outputs[i].GetProperty("end").GetInt32();
                    Assert.Equal(outputs[i].GetProperty("answer").GetString(),
                        context[CodePoints.ToUtf16Index(context, start)..CodePoints.ToUtf16Index(context, end)]);
                    Assert.Equal(file.Questions[i].Id, outputs[i].GetProperty("id").GetString());
                }
                var squad = SquadV1.Evaluate(file.Questions!.Select(q => (q.Id, (IReadOnlyList<string>)q.Answers.Select(a => a.Text).ToArray())).ToArray(),
                    outputs.Select((o, i) => (file.Questions![i].Id, o.GetProperty("answer").GetString()!)).ToDictionary(p => p.Item1, p => p.Item2));
                return [("exact_match", squad.ExactMatch), ("f1", squad.F1)];
            case TaskKind.Regress:
                double[] truth = file.Sequences!.Select(e => (double)e.Value!.Value).ToArray();
                double[] values = outputs.Select(o => (double)o.GetProperty("value").GetSingle()).ToArray();
                return [("pearson", Correlation.Pearson(truth, values)), ("spearman", Correlation.Spearman(truth, values))];
            default:
                int[] gold = file.Sequences!.Select(e => e.Label == "1" ? 1 : 0).ToArray();
                int[] predicted = outputs.Select(o => o.GetProperty("label").GetString() == "1" ? 1 : 0).ToArray();
                var scores = new List<(string, double)> { ("accuracy", ClassificationMetrics.Accuracy(gold, predicted)) };
                if (file.Task == TaskKind.Pair) scores.Add(("f1", ClassificationMetrics.BinaryF1(gold, predicted)));
                return scores;
        }
    }

    [Fact]
    public void Cuda_is_refused_with_a_clear_message_and_missing_options_are_usage_errors()
    {
        var (train, dev) = _data["classify"];
        var cuda = CliRunner.Run("finetune", "--task", "classify", "--train", train, "--dev", dev, "--config", _config, "--vocab", _vocab,
            "--output", _folder.File("cuda"), "--device", "cuda");
        Assert.Equal(1, cuda.ExitCode);
        Assert.Contains("--device cuda", cuda.StdErr);   // no driver here; on a GPU machine, host-resident parameters

        var both = CliRunner.Run("finetune", "--task", "classify", "--train", train, "--dev", dev, "--config", _config, "--model", _folder.Root,
            "--output", _folder.File("both"));
        Assert.Equal(2, both.ExitCode);
        Assert.Contains("exactly one of --model DIR and --config", both.StdErr);

        var task = CliRunner.Run("finetune", "--task", "summarize", "--train", train, "--dev", dev, "--config", _config, "--vocab", _vocab,
            "--output", _folder.File("task"));
        Assert.Equal(2, task.ExitCode);
        Assert.Contains("unknown task 'summarize'", task.StdErr);
    }
}
