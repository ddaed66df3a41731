using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BertCore.Training.FineTuning;

/// <summary>
/// The metrics of one evaluation, in the task's order (<see cref="TaskKinds.Metrics"/>): accuracy and F1 as
/// fractions, Pearson and Spearman correlations, seqeval entity precision / recall / F1 as fractions, SQuAD exact
/// match and F1 in percent as the official script prints them.
/// </summary>
public sealed class TaskScores
{
    /// <exception cref="ArgumentException">A metric of the task is missing from <paramref name="values"/>.</exception>
    public TaskScores(TaskKind task, IEnumerable<KeyValuePair<string, double>> values, double loss, int examples)
    {
        Task = task;
        Values = values.ToArray();
        Loss = loss;
        Examples = examples;
        foreach (var name in task.Metrics())
            if (!Values.Any(v => v.Key == name)) throw new ArgumentException($"task {task.Name()} scores lack '{name}'", nameof(values));
    }

    public TaskKind Task { get; }

    /// <summary>Metric name → value, in the task's order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> Values { get; }

    /// <summary>Mean loss of the evaluation batches (NaN when the data had no targets).</summary>
    public double Loss { get; }

    /// <summary>Examples scored (texts, sentences or questions).</summary>
    public int Examples { get; }

    /// <summary>The value of metric <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The task has no such metric.</exception>
    public double this[string name] => Values.FirstOrDefault(v => v.Key == name) is { Key: not null } v
        ? v.Value
        : throw new KeyNotFoundException($"task {Task.Name()} has no metric '{name}'; it has {string.Join(", ", Values.Select(x => x.Key))}");

    /// <summary>The name of the metric model selection follows: <see cref="TaskKinds.PrimaryMetric"/>, except for
    /// similarity data without scores, whose correlations are NaN: recall@1.</summary>
    public string PrimaryMetric => Task == TaskKind.Similarity && double.IsNaN(this["spearman"]) ? "recall_at_1" : Task.PrimaryMetric();

    /// <summary>The value of <see cref="PrimaryMetric"/>.</summary>
    public double Primary => this[PrimaryMetric];

    /// <summary>Whether these scores beat <paramref name="other"/> on the primary metric (NaN, an undefined
    /// correlation, loses to everything; anything beats null).</summary>
    public bool IsBetterThan(TaskScores? other) =>
        other is null || (double.IsNaN(other.Primary) ? !double.IsNaN(Primary) : Primary > other.Primary);

    /// <summary>The metrics as one JSON object, e.g. <c>{"accuracy": 0.9125}</c> (NaN as null).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteMetrics(json);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>"accuracy 0.9125, f1 0.9032" for log lines.</summary>
    public override string ToString() =>
        string.Join(", ", Values.Select(v => string.Create(CultureInfo.InvariantCulture, $"{v.Key} {v.Value:F4}")));

    /// <summary>Writes "loss" (when finite) and every metric as properties of the JSON object being written
    /// (a metric that is not finite, e.g. an undefined correlation, as null).</summary>
    public void WriteProperties(Utf8JsonWriter json)
    {
        if (double.IsFinite(Loss)) json.WriteNumber("loss", Loss);
        WriteMetrics(json);
    }

    private void WriteMetrics(Utf8JsonWriter json)
    {
        foreach (var (name, value) in Values)
            if (double.IsFinite(value)) json.WriteNumber(name, value);
            else json.WriteNull(name);
    }
}
