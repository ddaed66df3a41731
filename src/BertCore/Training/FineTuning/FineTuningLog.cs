using System.Globalization;
using System.Text;
using BertCore.IO;

namespace BertCore.Training.FineTuning;

/// <summary>One optimizer step of a fine-tuning run; <see cref="Dev"/> is set on steps followed by an evaluation.</summary>
public sealed record FineTuningRow(int Step, double Epoch, double Loss, double LearningRate, double GradNorm, double ExamplesPerSecond,
    TaskScores? Dev);

/// <summary>
/// metrics.csv of a fine-tuning run: <c>step,epoch,loss,lr,grad_norm,examples_per_s,dev_loss,dev_METRIC...</c>
/// (one dev column per metric of the task, empty on steps without an evaluation). The header is written atomically,
/// then each row as one whole line, flushed, so a killed run leaves every earlier row intact. The rows are also kept
/// in memory for the plots.
/// </summary>
public sealed class FineTuningLog : IDisposable
{
    public const string FileName = "metrics.csv";

    private readonly List<FineTuningRow> _rows = new();
    private readonly StreamWriter _writer;
    private readonly TaskKind _task;

    /// <summary>Starts <paramref name="path"/> afresh with the header of <paramref name="task"/>.</summary>
    public FineTuningLog(string path, TaskKind task)
    {
        _task = task;
        AtomicFile.Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(Header(task) + "\n")));
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    /// <summary>The header line of a task's metrics.csv.</summary>
    public static string Header(TaskKind task) =>
        "step,epoch,loss,lr,grad_norm,examples_per_s,dev_loss," + string.Join(',', task.Metrics().Select(m => "dev_" + m));

    public IReadOnlyList<FineTuningRow> Rows => _rows;

    /// <summary>Appends one row as a whole line and flushes it to the file.</summary>
    public void Append(FineTuningRow row)
    {
        _rows.Add(row);
        var fields = new List<string>
        {
            row.Step.ToString(CultureInfo.InvariantCulture), Num(row.Epoch), Num(row.Loss), Num(row.LearningRate), Num(row.GradNorm),
            Num(row.ExamplesPerSecond), Num(row.Dev?.Loss ?? double.NaN),
        };
        fields.AddRange(_task.Metrics().Select(m => Num(row.Dev?[m] ?? double.NaN)));
        _writer.Write(string.Join(',', fields) + "\n");
        _writer.Flush();
    }

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
