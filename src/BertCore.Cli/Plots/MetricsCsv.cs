using System.Globalization;
using BertCore.IO;

namespace BertCore.Cli.Plots;

/// <summary>
/// A metrics.csv of any training run (pretraining, fine-tuning, distillation) read as named numeric columns: a header,
/// then one row per optimizer step; an empty field is NaN (no evaluation at that step). A last line without its newline
/// (cut by a kill) is ignored, as the engine's own readers do.
/// </summary>
public sealed class MetricsCsv
{
    private readonly Dictionary<string, double[]> _columns;

    private MetricsCsv(Dictionary<string, double[]> columns, int rows)
    {
        _columns = columns;
        RowCount = rows;
    }

    /// <summary>Data rows (steps) in the file.</summary>
    public int RowCount { get; }

    /// <summary>The column names in file order.</summary>
    public IReadOnlyList<string> Names => _columns.Keys.ToArray();

    /// <summary>The values of <paramref name="name"/>, one per row, or null when the file has no such column.</summary>
    public IReadOnlyList<double>? Column(string name) => _columns.GetValueOrDefault(name);

    /// <summary>Reads <paramref name="path"/>.</summary>
    /// <exception cref="InvalidFileException">No header with a "step" column, a row of the wrong width, or a field that
    /// is not a number; the message names the file and line.</exception>
    public static MetricsCsv Read(string path)
    {
        var lines = File.ReadAllText(path).Split('\n');
        var names = lines[0].Split(',');
        if (names[0] != "step") throw new InvalidFileException(path, 1, "expected a header starting with 'step'");
        var values = names.Select(_ => new List<double>()).ToArray();
        for (int i = 1; i < lines.Length - 1; i++)   // the last element follows the final newline
        {
            var fields = lines[i].Split(',');
            if (fields.Length != names.Length)
                throw new InvalidFileException(path, i + 1, $"expected {names.Length} comma-separated fields as the header, found {fields.Length}");
            for (int c = 0; c < fields.Length; c++)
                values[c].Add(fields[c].Length == 0 ? double.NaN
                    : double.TryParse(fields[c], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v
                    : throw new InvalidFileException(path, i + 1, $"{names[c]} '{fields[c]}' is not a number"));
        }
        var columns = new Dictionary<string, double[]>();
        for (int c = 0; c < names.Length; c++)
            if (!columns.TryAdd(names[c], values[c].ToArray())) throw new InvalidFileException(path, 1, $"column '{names[c]}' appears twice");
        return new MetricsCsv(columns, Math.Max(lines.Length - 2, 0));
    }
}
