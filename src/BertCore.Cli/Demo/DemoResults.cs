using System.Globalization;
using System.Text;
using System.Text.Json;
using BertCore.IO;
using BertCore.Training;
using BertCore.Training.FineTuning;

namespace BertCore.Demo;

/// <summary>One fine-tuning run of the demo.</summary>
/// <param name="Directory">The run's output folder (best model, metrics.csv, curves).</param>
public sealed record DemoRun(FineTuningResult Result, string Directory)
{
    /// <summary>The best dev value of the task's primary metric (NaN without an evaluation).</summary>
    public double Best(TaskKind task) => Result.Best?.Scores[task.PrimaryMetric()] ?? double.NaN;
}

/// <summary>One task of the results table: the same fine-tuning from the pretrained model and from random initialization.</summary>
public sealed record DemoRow(DemoTask Task, int TrainExamples, int DevExamples, DemoRun Pretrained, DemoRun Random)
{
    public string Metric => Task.Task.PrimaryMetric();
}

/// <summary>The pretraining part of the demo.</summary>
/// <param name="Parameters">Parameters of the pretrained encoder with its MLM head.</param>
/// <param name="Tokens">Positions (batch × sequence) seen in pretraining.</param>
public sealed record DemoPretraining(string Directory, long Parameters, int Steps, long Tokens, MlmEvaluation? HeldOut, TimeSpan Elapsed);

/// <summary>Everything a demo run produced, with the results table.</summary>
public sealed record DemoResults(
    DemoOptions Options, DemoBudget Budget, DemoInputs Inputs, int VocabularySize, DemoPretraining Pretraining, IReadOnlyList<DemoRow> Rows,
    TimeSpan Elapsed)
{
    public const string MarkdownFile = "results.md";

    /// <summary>The distillation stage (null when the data has no classification task).</summary>
    public DemoDistillation? Distillation { get; init; }
    public const string JsonFile = "results.json";

    /// <summary>The results table (Markdown): per task its primary dev metric from the pretrained model and from random initialization.</summary>
    public string Table()
    {
        var table = new StringBuilder();
        table.Append("| task | kind | train / dev | metric (dev) | pretrained | random init | gain |\n|---|---|---|---|---:|---:|---:|\n");
        foreach (var row in Rows)
        {
            double pretrained = row.Pretrained.Best(row.Task.Task), random = row.Random.Best(row.Task.Task);
            table.Append(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Task.Name} | {row.Task.Task.Name()} | {row.TrainExamples} / {row.DevExamples} | {row.Metric} | {pretrained:F4} | {random:F4} | {pretrained - random:+0.0000;-0.0000} |\n"));
        }
        return table.ToString();
    }

    /// <summary>One paragraph on the pretrained model: size, budget and held-out MLM quality.</summary>
    public string PretrainingSummary()
    {
        var m = Budget.Model;
        var p = Pretraining;
        string heldOut = p.HeldOut is { } e
            ? string.Create(CultureInfo.InvariantCulture, $"; held-out MLM accuracy {e.Accuracy:F3}, perplexity {e.Perplexity:F1}")
            : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"Pretrained model: {m.NumHiddenLayers} layers, hidden {m.HiddenSize}, {m.NumAttentionHeads} heads, FFN {m.IntermediateSize}, " +
            $"vocabulary {VocabularySize} ({p.Parameters:N0} parameters); MLM for {p.Steps} steps of {Budget.PretrainBatch} × {Budget.PretrainSequence} " +
            $"tokens ({p.Tokens:N0} positions) in {p.Elapsed.TotalSeconds:F0} s{heldOut}. Fine-tuning: {Budget.Epochs} epoch{(Budget.Epochs == 1 ? "" : "s")}, batch {Budget.Batch}, " +
            $"lr {Budget.LearningRate:G3}, best dev evaluation of each run; same seed and steps for both initializations.");
    }

    /// <summary>Writes <see cref="MarkdownFile"/> and <see cref="JsonFile"/> into the output folder, atomically.</summary>
    public void Save()
    {
        string dir = Options.OutputDirectory;
        var markdown = $"# BertCore demo\n\nData: {Inputs.Description}.\n\n{PretrainingSummary()}\n\n{Table()}\n{(Distillation == null ? "" : Distillation.Summary() + "\n\n")}Total time {Elapsed.TotalSeconds:F0} s.\n";
        AtomicFile.Write(Path.Combine(dir, MarkdownFile), s => s.Write(new UTF8Encoding(false).GetBytes(markdown)));
        AtomicFile.Write(Path.Combine(dir, JsonFile), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("data", Inputs.Description);
            json.WriteNumber("seconds", Math.Round(Elapsed.TotalSeconds, 1));
            json.WriteStartObject("pretraining");
            json.WriteNumber("parameters", Pretraining.Parameters);
            json.WriteNumber("steps", Pretraining.Steps);
            json.WriteNumber("positions", Pretraining.Tokens);
            json.WriteNumber("seconds", Math.Round(Pretraining.Elapsed.TotalSeconds, 1));
            if (Pretraining.HeldOut is { } e)
            {
                json.WriteNumber("mlm_accuracy", e.Accuracy);
                json.WriteNumber("perplexity", e.Perplexity);
            }
            json.WriteEndObject();
            json.WriteStartArray("tasks");
            foreach (var row in Rows)
            {
                json.WriteStartObject();
                json.WriteString("task", row.Task.Name);
                json.WriteString("kind", row.Task.Task.Name());
                json.WriteNumber("train_examples", row.TrainExamples);
                json.WriteNumber("dev_examples", row.DevExamples);
                json.WriteString("metric", row.Metric);
                Number(json, "pretrained", row.Pretrained.Best(row.Task.Task));
                Number(json, "random_init", row.Random.Best(row.Task.Task));
                json.WriteString("pretrained_model", row.Pretrained.Directory);
                json.WriteString("random_init_model", row.Random.Directory);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (Distillation is { } d)
            {
                json.WriteStartObject("distillation");
                json.WriteString("task", d.Task);
                json.WriteString("metric", d.Metric);
                Number(json, "teacher", d.Teacher);
                Number(json, "student", d.Student);
                json.WriteNumber("teacher_parameters", d.TeacherParameters);
                json.WriteNumber("student_parameters", d.StudentParameters);
                json.WriteString("student_model", d.Directory);
                json.WriteEndObject();
            }
            json.WriteEndObject();
        });
    }

    private static void Number(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
