using System.Globalization;
using System.Text;
using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Metrics;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning;

/// <summary>`bertcore finetune`, `evaluate` and `predict` as child processes, for every task, on tiny data.</summary>
public class FineTuneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _vocab, _config;
    private readonly Dictionary<string, (string Train, string Dev)> _data;

    public FineTuneCommandTests()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 160, ner: 80, qa: 60);
        _vocab = vocab;
        _config = _folder.File("config.json");
        TinyTasks.Config(vocab).Save(_config);
        _data = new()
        {
            ["classify"] = (files.ClassifyTrain, files.ClassifyDev),
            ["pair"] = (Pairs(files.ClassifyTrain, "pair.train.tsv", regression: false), Pairs(files.ClassifyDev, "pair.dev.tsv", regression: false)),
            ["regress"] = (Pairs(files.ClassifyTrain, "regress.train.tsv", regression: true), Pairs(files.ClassifyDev, "regress.dev.tsv", regression: true)),
            ["ner"] = (files.NerTrain, files.NerDev),
            ["qa"] = (files.QaTrain, files.QaDev),
        };
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Sentence pairs from consecutive sentiment rows, in the RTE / STS-B layouts: label 1 when both
    /// sentences have the same sentiment, or a 0–5 score (5 both positive, 2.5 mixed, 0 both negative).</summary>
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

    [Theory]
    [InlineData("classify")]
    [InlineData("pair")]
    [InlineData("regress")]
    [InlineData("ner")]
    [InlineData("qa")]
    public void Finetune_then_evaluate_and_predict_agree(string task)
    {
        var (train, dev) = _data[task];
        string model = _folder.File("model-" + task);
        var finetune = CliRunner.Run("finetune", "--task", task, "--train", train, "--dev", dev, "--config", _config, "--vocab", _vocab,
            "--output", model, "--max-steps", "8", "--batch", "16", "--lr", "2e-3", "--eval-every", "4", "--seed", "3", "--log-every", "4");
        Assert.True(finetune.ExitCode == 0, finetune.StdErr);
        Assert.Contains("done after 8 steps", finetune.StdOut);
        Assert.Contains("eval at step 4", finetune.StdOut);
        Assert.Equal(TaskKinds.Parse(task), TaskSpec.Load(model, ModelDirectory.LoadConfig(model)).Task);

        var evaluate = CliRunner.Run("evaluate", "--model", model, "--data", dev);
        Assert.True(evaluate.ExitCode == 0, evaluate.StdErr);
        using var metrics = JsonDocument.Parse(evaluate.StdOut);
        Assert.Equal(TaskKinds.Parse(task).Metrics(), metrics.RootElement.EnumerateObject().Select(p => p.Name));

        string input = _folder.File(task + ".input.jsonl"), predictions = _folder.File(task + ".predictions.jsonl");
        var file = TaskFile.Read(dev, TaskKinds.Parse(task));
        File.WriteAllLines(input, Inputs(file));
        var predict = CliRunner.Run("predict", "--model", model, "--input", input, "--output", predictions);
        Assert.True(predict.ExitCode == 0, predict.StdErr);
        var outputs = File.ReadAllLines(predictions).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(file.Count, outputs.Length);
        foreach (var (name, value) in Score(file, outputs))
            Assert.Equal(metrics.RootElement.GetProperty(name).GetDouble(), value);
    }

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
