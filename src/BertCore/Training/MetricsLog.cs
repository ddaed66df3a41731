using System.Globalization;
using System.Text;
using BertCore.IO;

namespace BertCore.Training;

/// <summary>One row of metrics.csv; the evaluation columns are NaN (empty in the file) on steps without one.</summary>
/// <param name="EvalRtdAccuracy">ELECTRA's replaced-token accuracy (the MLM columns are then the generator's); NaN otherwise.</param>
public sealed record MetricsRow(int Step, double Loss, double LearningRate, double GradNorm, double TokensPerSecond,
    double EvalMlmAccuracy, double EvalPerplexity, double EvalRtdAccuracy = double.NaN);

/// <summary>
/// metrics.csv of a training run: a header, then one line per optimizer step. Each row is written as one whole
/// line and flushed, so a killed process leaves every earlier row intact. Opening for a resumed run keeps the rows
/// up to the checkpoint's step and drops the rest (steps the killed run took after its last checkpoint), rewriting
/// the file atomically.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string Header = "step,loss,lr,grad_norm,tokens_per_s,eval_mlm_accuracy,eval_perplexity,eval_rtd_accuracy";

    /// <summary>The header before eval_rtd_accuracy: such files are still read (their rows have no RTD accuracy).</summary>
    public const string HeaderWithoutRtd = "step,loss,lr,grad_norm,tokens_per_s,eval_mlm_accuracy,eval_perplexity";

    private readonly StreamWriter _writer;

    private MetricsLog(string path, List<MetricsRow> rows)
    {
        Path = path;
        AtomicFile.Write(path, stream =>
        {
            using var w = new StreamWriter(stream, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
            w.WriteLine(Header);
            foreach (var row in rows) w.WriteLine(Format(row));
        });
        _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false))
        {
            NewLine = "\n",
        };
    }

    public string Path { get; }

    /// <summary>Starts <paramref name="path"/> afresh when <paramref name="resumeStep"/> is 0; otherwise keeps the
    /// existing rows with step ≤ resumeStep (a missing file starts empty).</summary>
    /// <exception cref="InvalidFileException">An existing file is not a metrics.csv of this layout.</exception>
    public static MetricsLog Open(string path, int resumeStep)
    {
        var rows = resumeStep > 0 && File.Exists(path)
            ? Read(path).Where(r => r.Step <= resumeStep).ToList()
            : new List<MetricsRow>();
        return new MetricsLog(path, rows);
    }

    /// <summary>Appends one row as a whole line and flushes it to the file.</summary>
    public void Append(MetricsRow row)
    {
        _writer.Write(Format(row) + "\n");
        _writer.Flush();
    }

    /// <summary>Every row of a metrics.csv file. A last line without its newline (cut by a kill) is ignored.</summary>
    public static List<MetricsRow> Read(string path)
    {
        var text = File.ReadAllText(path);
        var lines = text.Split('\n');
        if (lines[0] != Header && lines[0] != HeaderWithoutRtd) throw new InvalidFileException(path, 1, $"expected the header '{Header}'");
        int fields = lines[0].Split(',').Length;
        var rows = new List<MetricsRow>();
        for (int i = 1; i < lines.Length - 1; i++)   // the last element follows the final newline
            rows.Add(Parse(path, i + 1, lines[i], fields));
        return rows;
    }

    private static MetricsRow Parse(string path, int line, string text, int fields)
    {
        var f = text.Split(',');
        if (f.Length != fields) throw new InvalidFileException(path, line, $"expected {fields} comma-separated fields, found {f.Length}");
        double Number(int i) => f[i].Length == 0 ? double.NaN
            : double.TryParse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
            : throw new InvalidFileException(path, line, $"field {i + 1} '{f[i]}' is not a number");
        if (!int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int step))
            throw new InvalidFileException(path, line, $"step '{f[0]}' is not an integer");
        return new MetricsRow(step, Number(1), Number(2), Number(3), Number(4), Number(5), Number(6), fields > 7 ? Number(7) : double.NaN);
    }

    private static string Format(MetricsRow r) => string.Join(',',
        r.Step.ToString(CultureInfo.InvariantCulture), Num(r.Loss), Num(r.LearningRate), Num(r.GradNorm),
        Num(r.TokensPerSecond), Num(r.EvalMlmAccuracy), Num(r.EvalPerplexity), Num(r.EvalRtdAccuracy));

    private static string Num(double v) => double.IsNaN(v) ? "" : v.ToString("R", CultureInfo.InvariantCulture);

    public void Dispose() => _writer.Dispose();
}
