using System.Globalization;
using BertCore.Data.Tasks;
using BertCore.IO;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// External feature vectors for the examples of one data file (knowledge injection: e.g. lexicon scores or another
/// model's outputs), appended to the sentence representation before the classifier. The file is plain text, one
/// row per example: the 1-based line of the data file where the example starts (the TSV row, or the JSONL line),
/// then the values, separated by tabs or spaces. Blank lines and lines starting with '#' are skipped; every row
/// has the same number of values; rows for lines that hold no example are ignored.
/// </summary>
/// <example>
/// <code>
/// # line  positive_words  negative_words
/// 2       3               0
/// 3       0.5             1
/// </code>
/// </example>
public sealed class ExternalFeatures
{
    private readonly Dictionary<int, float[]> _byLine;

    private ExternalFeatures(string path, int dimension, Dictionary<int, float[]> byLine)
    {
        Path = path;
        Dimension = dimension;
        _byLine = byLine;
    }

    public string Path { get; }

    /// <summary>Values per row.</summary>
    public int Dimension { get; }

    /// <exception cref="InvalidFileException">A row is malformed, has another number of values than the first, or
    /// repeats a line; the file has no row.</exception>
    public static ExternalFeatures Read(string path)
    {
        var byLine = new Dictionary<int, float[]>();
        var firstAt = new Dictionary<int, int>();
        int dimension = -1, lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#') continue;
            var fields = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (!int.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out int key) || key < 1)
                throw new InvalidFileException(path, lineNumber, $"the first column '{fields[0]}' is not a data line number (1, 2, ...)");
            if (fields.Length < 2) throw new InvalidFileException(path, lineNumber, "has a line number but no feature values");
            if (dimension < 0) dimension = fields.Length - 1;
            else if (fields.Length - 1 != dimension)
                throw new InvalidFileException(path, lineNumber, $"has {fields.Length - 1} feature values; the first row has {dimension}");
            var values = new float[dimension];
            for (int i = 0; i < dimension; i++)
                if (!float.TryParse(fields[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !float.IsFinite(values[i]))
                    throw new InvalidFileException(path, lineNumber, $"column {i + 2}: '{fields[i + 1]}' is not a finite number");
            if (!firstAt.TryAdd(key, lineNumber))
                throw new InvalidFileException(path, lineNumber, $"repeats the features of data line {key} (first given at line {firstAt[key]})");
            byLine[key] = values;
        }
        if (dimension < 0) throw new InvalidFileException(path, null, "holds no feature rows");
        return new ExternalFeatures(path, dimension, byLine);
    }

    /// <summary>The rows of <paramref name="examples"/> (read from <paramref name="dataSource"/>) in order: [N·D].</summary>
    /// <param name="expectedDimension">The model's feature width; a file of another width is an error.</param>
    /// <exception cref="InvalidFileException">The width differs from the model's, or an example has no row.</exception>
    public float[] For(IReadOnlyList<SequenceExample> examples, string dataSource, int expectedDimension)
    {
        if (Dimension != expectedDimension)
            throw new InvalidFileException(Path, null, $"rows have {Dimension} feature values but the model takes {expectedDimension}");
        var table = new float[examples.Count * Dimension];
        for (int i = 0; i < examples.Count; i++)
        {
            if (!_byLine.TryGetValue(examples[i].Line, out var row))
                throw new InvalidFileException(Path, null, $"has no row for the example at line {examples[i].Line} of {dataSource}");
            row.CopyTo(table, i * Dimension);
        }
        return table;
    }
}
