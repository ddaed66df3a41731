using System.Globalization;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// Reads sequence-task files: single sentences (SST-2 <c>sentence⇥label</c>), sentence pairs (RTE
/// <c>index sentence1 sentence2 label</c>, the raw MRPC files <c>Quality #1 ID #2 ID #1 String #2 String</c>,
/// STS-B with its <c>score</c> column) and JSONL (<c>text</c>, <c>text_pair</c>, <c>label</c>). The layout is
/// detected from the header (TSV, CSV) or the first object (JSONL); <see cref="SequenceReadOptions"/> overrides it.
/// </summary>
public static class SequenceFileReader
{
    /// <summary>Sentence columns looked for, in order (header names compare case-insensitively).</summary>
    public static IReadOnlyList<string> TextColumns { get; } = ["sentence", "text", "sentence1", "#1 String", "question1", "premise"];

    /// <summary>Second-sentence columns looked for, in order.</summary>
    public static IReadOnlyList<string> PairColumns { get; } = ["text_pair", "sentence2", "#2 String", "question2", "hypothesis"];

    /// <summary>Label columns looked for, in order (MRPC calls it Quality, STS-B score).</summary>
    public static IReadOnlyList<string> LabelColumns { get; } = ["label", "Quality", "score", "gold_label"];

    /// <summary>Reads every example of <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">
    /// No sentence (or, when required, label) column; a row with the wrong number of fields; a missing or
    /// non-numeric label; invalid JSON or UTF-8; no examples.
    /// </exception>
    public static SequenceDataset Read(string path, SequenceReadOptions? options = null)
    {
        options ??= new SequenceReadOptions();
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        TableFormat format = options.Format ?? FormatOf(path);
        string[] lines = TextLines.Read(path);
        SequenceDataset dataset = format == TableFormat.Jsonl
            ? ReadJsonl(path, lines, options)
            : ReadTable(path, format == TableFormat.Csv ? DelimitedText.Csv(path, lines) : DelimitedText.Tsv(lines), options);
        if (dataset.Examples.Count == 0)
            throw new InvalidFileException(path, null, "no examples");
        return dataset;
    }

    /// <summary>The format implied by the file extension: .csv → CSV, .jsonl/.json → JSONL, anything else TSV.</summary>
    public static TableFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => TableFormat.Csv,
        ".jsonl" or ".json" => TableFormat.Jsonl,
        _ => TableFormat.Tsv,
    };

    private static SequenceDataset ReadTable(string path, IEnumerable<DelimitedText.Record> records, SequenceReadOptions options)
    {
        using var rows = records.GetEnumerator();
        if (!rows.MoveNext())
            throw new InvalidFileException(path, null, "empty file (no header line)");
        string[] header = rows.Current.Fields.Select(h => h.Trim()).ToArray();
        int headerLine = rows.Current.Line;
        string Names() => string.Join(", ", header.Select(h => $"'{h}'"));
        int Find(string? chosen, IReadOnlyList<string> candidates, string what, bool required)
        {
            foreach (string name in chosen is null ? candidates : [chosen])
            {
                int index = Array.FindIndex(header, h => string.Equals(h, name, StringComparison.OrdinalIgnoreCase));
                if (index >= 0)
                    return index;
            }
            if (required)
                throw new InvalidFileException(path, headerLine, chosen is null
                    ? $"no {what} column: the header has {Names()}; looked for {string.Join(", ", candidates)} (name the column explicitly)"
                    : $"no {what} column '{chosen}': the header has {Names()}");
            return -1;
        }

        int text = Find(options.TextColumn, TextColumns, "sentence", required: true);
        int pair = options.PairColumn == "" ? -1 : Find(options.PairColumn, PairColumns, "second-sentence", required: options.PairColumn is not null);
        int label = Find(options.LabelColumn, LabelColumns, "label", required: options.RequireLabels);

        var examples = new List<SequenceExample>();
        while (rows.MoveNext())
        {
            (int line, string[] fields) = rows.Current;
            if (fields.Length != header.Length)
                throw new InvalidFileException(path, line, $"{fields.Length} fields where the header has {header.Length}");
            string? labelText = label < 0 || fields[label].Length == 0 ? null : fields[label];
            examples.Add(Example(path, line, fields[text], pair < 0 ? null : fields[pair], labelText, options));
        }
        return new SequenceDataset(path, examples, header[text], pair < 0 ? null : header[pair], label < 0 ? null : header[label]);
    }

    private static SequenceDataset ReadJsonl(string path, string[] lines, SequenceReadOptions options)
    {
        var examples = new List<SequenceExample>();
        string? textKey = options.TextColumn, pairKey = options.PairColumn, labelKey = options.LabelColumn;
        bool resolved = false;
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            int line = i + 1;
            using JsonDocument document = ParseObject(path, line, lines[i]);
            JsonElement root = document.RootElement;
            if (!resolved)
            {
                textKey ??= TextColumns.FirstOrDefault(k => root.TryGetProperty(k, out _))
                    ?? throw new InvalidFileException(path, line, $"no sentence field: looked for {string.Join(", ", TextColumns)}");
                pairKey ??= PairColumns.FirstOrDefault(k => root.TryGetProperty(k, out _));
                labelKey ??= LabelColumns.FirstOrDefault(k => root.TryGetProperty(k, out _));
                if (labelKey is null && options.RequireLabels)
                    throw new InvalidFileException(path, line, $"no label field: looked for {string.Join(", ", LabelColumns)}");
                resolved = true;
            }
            string text = JsonString(path, line, root, textKey!, required: true)!;
            string? pair = pairKey is null or "" ? null : JsonString(path, line, root, pairKey, required: true);
            string? label = labelKey is null ? null : JsonLabel(path, line, root, labelKey);
            examples.Add(Example(path, line, text, pair, label, options));
        }
        return new SequenceDataset(path, examples, textKey ?? TextColumns[0], pairKey is "" ? null : pairKey, labelKey);
    }

    private static SequenceExample Example(string path, int line, string text, string? pair, string? label, SequenceReadOptions options)
    {
        if (label is null && options.RequireLabels)
            throw new InvalidFileException(path, line, "missing label");
        float? value = null;
        if (label is not null && options.LabelKind == LabelKind.Numeric)
        {
            if (!float.TryParse(label, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) || !float.IsFinite(v))
                throw new InvalidFileException(path, line, $"label '{label}' is not a finite number (regression needs numeric labels)");
            value = v;
        }
        return new SequenceExample(text, pair, label, value, line);
    }

    private static JsonDocument ParseObject(string path, int line, string text)
    {
        JsonDocument document = JsonLine.Parse(path, line, text);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidFileException(path, line, "expected one JSON object per line");
        }
        return document;
    }

    private static string? JsonString(string path, int line, JsonElement root, string key, bool required)
    {
        if (!root.TryGetProperty(key, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return required ? throw new InvalidFileException(path, line, $"missing field '{key}'") : null;
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new InvalidFileException(path, line, $"field '{key}' must be a string, not {value.ValueKind}");
    }

    /// <summary>A label field as text: a non-empty string as is, a number as written (1 → "1"), true/false; null when absent.</summary>
    private static string? JsonLabel(string path, int line, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out JsonElement value))
            return null;
        return value.ValueKind switch
        {
            JsonValueKind.Null => null,
            JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw new InvalidFileException(path, line, $"label '{key}' must be a string or a number, not {value.ValueKind}"),
        };
    }
}
