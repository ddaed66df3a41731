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
/// then each row as one whole line, flushed, so a killed run leaves every earlier row intact. Opening for a resumed
/// run keeps the lines up to the checkpoint's step, unchanged, and drops the rest (steps the killed run took after
/// it).
/// </summary>
public sealed class FineTuningLog : IDisposable
{
    public const string FileName = "metrics.csv";

    private readonly StreamWriter _writer;
    private readonly TaskKind _task;

    /// <summary>Starts <paramref name="path"/> afresh with the header of <paramref name="task"/>.</summary>
    public FineTuningLog(string path, TaskKind task) : this(path, task, [])
    {
    }

    private FineTuningLog(string path, TaskKind task, List<string> kept)
    {
        _task = task;
        AtomicFile.Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(
            string.Concat(kept.Select(line => line + "\n").Prepend(Header(task) + "\n")))));
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    /// <summary>Reopens <paramref name="path"/> for a run resumed after step <paramref name="resumeStep"/>, keeping
    /// its lines of steps up to it (a missing file starts empty); <paramref name="dev"/> gives the rows' evaluations
    /// (null for steps without one). A last line without its newline (cut by a kill) is dropped.</summary>
    /// <exception cref="InvalidFileException">The file is not a metrics.csv of this task's layout.</exception>
    public static FineTuningLog Resume(string path, TaskKind task, int resumeStep, Func<int, TaskScores?> dev)
    {
        if (!File.Exists(path)) return new FineTuningLog(path, task);
        var lines = File.ReadAllText(path).Split('\n');
        if (lines[0] != Header(task)) throw new InvalidFileException(path, 1, $"expected the header '{Header(task)}'");
        var kept = new List<string>();
        for (int i = 1; i < lines.Length - 1; i++)   // the last element follows the final newline
        {
            var row = Parse(path, i + 1, lines[i], dev);
            if (row.Step <= resumeStep) kept.Add(lines[i]);
        }
        return new FineTuningLog(path, task, kept);
    }

    /// <summary>The header line of a task's metrics.csv.</summary>
    public static string Header(TaskKind task) =>
        "step,epoch,loss,lr,grad_norm,examples_per_s,dev_loss," + string.Join(',', task.Metrics().Select(m => "dev_" + m));

    /// <summary>Appends one row as a whole line and flushes it to the file.</summary>
    public void Append(FineTuningRow row)
    {
        var fields = new List<string>
        {
            row.Step.ToString(CultureInfo.InvariantCulture), Num(row.Epoch), Num(row.Loss), Num(row.LearningRate), Num(row.GradNorm),
            Num(row.ExamplesPerSecond), Num(row.Dev?.Loss ?? double.NaN),
        };
        fields.AddRange(_task.Metrics().Select(m => Num(row.Dev?[m] ?? double.NaN)));
        _writer.Write(string.Join(',', fields) + "\n");
        _writer.Flush();
    }

    private static FineTuningRow Parse(string path, int line, string text, Func<int, TaskScores?> dev)
    {
        var f = text.Split(',');
        if (f.Length < 6) throw new InvalidFileException(path, line, $"expected at least 6 comma-separated fields, found {f.Length}");
        double Number(int i) => f[i].Length == 0 ? double.NaN
            : double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InvalidFileException(path, line, $"field {i + 1} '{f[i]}' is not a number");
        if (!int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int step))
            throw new InvalidFileException(path, line, $"step '{f[0]}' is not an integer");
        return new FineTuningRow(step, Number(1), Number(2), Number(3), Number(4), Number(5), dev(step));
    }

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
