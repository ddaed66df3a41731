using System.Globalization;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// One example of bi-encoder training: two sentences that belong together to some degree (a score), or an anchor
/// with its positive and, optionally, a hard negative (no score).
/// </summary>
/// <param name="Anchor">The first sentence (STS-B sentence1, a query).</param>
/// <param name="Positive">The second sentence (STS-B sentence2, a matching passage).</param>
/// <param name="Negative">A hard negative for the anchor; null when the file has none.</param>
/// <param name="Score">The similarity score as written (STS-B 0–5); null in files of positives.</param>
/// <param name="Line">The 1-based line where the example starts (for error messages).</param>
public sealed record SimilarityExample(string Anchor, string Positive, string? Negative, float? Score, int Line);

/// <summary>The examples of one similarity file.</summary>
/// <param name="Path">The file.</param>
/// <param name="Examples">The examples in file order.</param>
/// <param name="Scored">Every example has a score (STS-B); otherwise none has.</param>
/// <param name="HasNegatives">Every example has a hard negative; otherwise none has.</param>
public sealed record SimilarityDataset(string Path, IReadOnlyList<SimilarityExample> Examples, bool Scored, bool HasNegatives);

/// <summary>
/// Reads bi-encoder training files: TSV or CSV with a header, or JSONL (format by extension, as
/// <see cref="SequenceFileReader.FormatOf"/>). The columns (fields) are found by name: the first sentence among
/// <see cref="AnchorColumns"/>, the second among <see cref="PositiveColumns"/>, an optional hard negative among
/// <see cref="NegativeColumns"/> and an optional score among <see cref="ScoreColumns"/>. GLUE's STS-B TSV
/// (sentence1, sentence2, score) reads as scored pairs; a file of anchor, positive[, negative] as positives.
/// </summary>
public static class SimilarityFileReader
{
    /// <summary>First-sentence columns looked for, in order (header names compare case-insensitively).</summary>
    public static IReadOnlyList<string> AnchorColumns { get; } = ["anchor", "sentence1", "query", "text", "sentence"];

    /// <summary>Second-sentence columns looked for, in order.</summary>
    public static IReadOnlyList<string> PositiveColumns { get; } = ["positive", "sentence2", "text_pair", "passage"];

    /// <summary>Hard-negative columns looked for, in order.</summary>
    public static IReadOnlyList<string> NegativeColumns { get; } = ["negative", "hard_negative"];

    /// <summary>Score columns looked for, in order.</summary>
    public static IReadOnlyList<string> ScoreColumns { get; } = ["score", "label"];

    /// <summary>Reads every example of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">No first- or second-sentence column; a score column together with a
    /// negative column; a row with the wrong number of fields; an empty sentence; a missing or non-numeric score;
    /// invalid JSON; no examples. The message names the line.</exception>
    public static SimilarityDataset Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        string[] lines = TextLines.Read(path);
        var format = SequenceFileReader.FormatOf(path);
        var rows = format == TableFormat.Jsonl
            ? JsonlRows(path, lines)
            : TableRows(path, format == TableFormat.Csv ? DelimitedText.Csv(path, lines) : DelimitedText.Tsv(lines));
        var examples = new List<SimilarityExample>();
        bool? scored = null, negatives = null;
        foreach (var row in rows)
        {
            scored ??= row.Score != null;
            negatives ??= row.Negative != null;
            var example = new SimilarityExample(
                Sentence(path, row.Line, row.Anchor, "first sentence"), Sentence(path, row.Line, row.Positive, "second sentence"),
                negatives.Value ? Sentence(path, row.Line, row.Negative, "hard negative") : null,
                scored.Value ? Score(path, row.Line, row.Score) : null, row.Line);
            examples.Add(example);
        }
        if (examples.Count == 0) throw new InvalidFileException(path, null, "no examples");
        if (scored!.Value && negatives!.Value)
            throw new InvalidFileException(path, examples[0].Line, "has both a score and a hard negative; scored pairs train the cosine or " +
                "CoSENT loss, anchor/positive/negative rows the multiple-negatives ranking loss");
        return new SimilarityDataset(path, examples, scored.Value, negatives!.Value);
    }

    /// <summary>A row's fields before validation: null where the column is absent.</summary>
    private readonly record struct Row(int Line, string? Anchor, string? Positive, string? Negative, string? Score);

    private static IEnumerable<Row> TableRows(string path, IEnumerable<DelimitedText.Record> records)
    {
        using var rows = records.GetEnumerator();
        if (!rows.MoveNext()) throw new InvalidFileException(path, null, "empty file (no header line)");
        string[] header = rows.Current.Fields.Select(h => h.Trim()).ToArray();
        int headerLine = rows.Current.Line;
        int Find(IReadOnlyList<string> names) =>
            names.Select(n => Array.FindIndex(header, h => string.Equals(h, n, StringComparison.OrdinalIgnoreCase))).FirstOrDefault(i => i >= 0, -1);
        int anchor = Find(AnchorColumns), positive = Find(PositiveColumns), negative = Find(NegativeColumns), score = Find(ScoreColumns);
        if (anchor < 0 || positive < 0)
            throw new InvalidFileException(path, headerLine, $"the header ({string.Join(", ", header.Select(h => $"'{h}'"))}) has no " +
                (anchor < 0 ? $"first-sentence column ({string.Join(", ", AnchorColumns)})" : $"second-sentence column ({string.Join(", ", PositiveColumns)})"));
        while (rows.MoveNext())
        {
            (int line, string[] fields) = rows.Current;
            if (fields.Length != header.Length) throw new InvalidFileException(path, line, $"{fields.Length} fields where the header has {header.Length}");
            yield return new Row(line, fields[anchor], fields[positive], negative < 0 ? null : fields[negative], score < 0 ? null : fields[score]);
        }
    }

    private static IEnumerable<Row> JsonlRows(string path, string[] lines)
    {
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i])) continue;
            using var document = JsonLine.Parse(path, i + 1, lines[i]);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidFileException(path, i + 1, "expected one JSON object per line");
            string? Field(IReadOnlyList<string> names)
            {
                foreach (string name in names)
                    if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
                        return value.ValueKind switch
                        {
                            JsonValueKind.String => value.GetString(),
                            JsonValueKind.Number => value.GetRawText(),
                            _ => throw new InvalidFileException(path, i + 1, $"field '{name}' must be a string or a number, not {value.ValueKind}"),
                        };
                return null;
            }
            yield return new Row(i + 1, Field(AnchorColumns), Field(PositiveColumns), Field(NegativeColumns), Field(ScoreColumns));
        }
    }

    private static string Sentence(string path, int line, string? text, string what) =>
        string.IsNullOrWhiteSpace(text) ? throw new InvalidFileException(path, line, $"the {what} is missing or empty") : text;

    private static float Score(string path, int line, string? text)
    {
        if (text == null || !float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float value) || !float.IsFinite(value))
            throw new InvalidFileException(path, line, $"score '{text}' is not a finite number (a scored file needs a score on every row)");
        return value;
    }
}
