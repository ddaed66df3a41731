using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.IO;

namespace BertCore.Data;

/// <summary>How a corpus file is laid out.</summary>
public enum CorpusFormat
{
    /// <summary><see cref="JsonLines"/> for <c>.jsonl</c> and <c>.ndjson</c> files, <see cref="PlainText"/> otherwise.</summary>
    Auto,

    /// <summary>One sentence or paragraph per line; a blank (or white-space-only) line ends a document.</summary>
    PlainText,

    /// <summary>
    /// One JSON object per line with a string field <c>text</c>: one document per line, split into sentences at its
    /// line breaks (<c>\n</c>, <c>\r\n</c>, <c>\r</c>); without line breaks the whole text is one segment. Blank
    /// lines of the file are skipped; other fields are ignored.
    /// </summary>
    JsonLines,

    /// <summary>
    /// A task's training file (TSV, CSV or JSONL, read by <see cref="SequenceFileReader"/> as fine-tuning reads it) as
    /// in-domain text: the text column, and the second-sentence column when there is one, each a sentence; labels
    /// and other columns dropped; blank texts skipped. The rows of a file form one document in file order, so
    /// masked-LM examples pack consecutive rows up to the sequence length. Never picked by <see cref="Auto"/>.
    /// </summary>
    TaskFile,
}

/// <summary>
/// Reads pretraining text from one or more files into <see cref="CorpusDocument"/>s, lazily, file after file.
/// Every file must be UTF-8; invalid bytes or malformed JSON are an <see cref="InvalidFileException"/> naming the
/// file and line. Documents without any non-blank sentence are skipped.
/// </summary>
public static class CorpusReader
{
    /// <summary>The format <see cref="CorpusFormat.Auto"/> picks for <paramref name="path"/>.</summary>
    public static CorpusFormat FormatOf(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".jsonl" or ".ndjson" ? CorpusFormat.JsonLines : CorpusFormat.PlainText;

    /// <summary>The documents of <paramref name="paths"/>, in file order.</summary>
    /// <param name="paths">The files.</param>
    /// <param name="format">Their layout.</param>
    /// <param name="columns">With <see cref="CorpusFormat.TaskFile"/>: the table format and text columns (null detects
    /// them as fine-tuning does); labels are never required.</param>
    /// <exception cref="ArgumentException">No paths, or (at the end of the enumeration) the files hold no text at all.</exception>
    /// <exception cref="FileNotFoundException">A file does not exist (checked before anything is read).</exception>
    /// <exception cref="InvalidFileException">Invalid UTF-8, invalid JSON, a JSON line without a string <c>text</c>, or a
    /// task file without its text column (the message names the file, the line and the column).</exception>
    public static IEnumerable<CorpusDocument> Read(IReadOnlyList<string> paths, CorpusFormat format = CorpusFormat.Auto,
        SequenceReadOptions? columns = null)
    {
        if (paths.Count == 0)
            throw new ArgumentException("A corpus needs at least one file.", nameof(paths));
        foreach (string path in paths)
            if (!File.Exists(path))
                throw new FileNotFoundException($"{path}: corpus file not found", path);
        return ReadExisting(paths, format, columns);
    }

    private static IEnumerable<CorpusDocument> ReadExisting(IReadOnlyList<string> paths, CorpusFormat format, SequenceReadOptions? columns)
    {
        bool any = false;
        foreach (string path in paths)
        {
            IEnumerable<CorpusDocument> documents = (format == CorpusFormat.Auto ? FormatOf(path) : format) switch
            {
                CorpusFormat.JsonLines => ReadJsonLines(path),
                CorpusFormat.TaskFile => ReadTaskFile(path, columns),
                _ => ReadPlainText(path),
            };
            foreach (CorpusDocument document in documents)
            {
                any = true;
                yield return document;
            }
        }
        if (!any)
            throw new ArgumentException($"The corpus ({string.Join(", ", paths)}) holds no text: every line is blank.", nameof(paths));
    }

    private static IEnumerable<CorpusDocument> ReadPlainText(string path)
    {
        var sentences = new List<string>();
        int firstLine = 0;
        foreach ((int number, string text) in Utf8Lines.Read(path))
        {
            if (!string.IsNullOrWhiteSpace(text))
            {
                if (sentences.Count == 0)
                    firstLine = number;
                sentences.Add(text);
            }
            else if (sentences.Count > 0)
            {
                yield return new CorpusDocument(path, firstLine, sentences);
                sentences = [];
            }
        }
        if (sentences.Count > 0)
            yield return new CorpusDocument(path, firstLine, sentences);
    }

    private static IEnumerable<CorpusDocument> ReadTaskFile(string path, SequenceReadOptions? columns)
    {
        SequenceDataset dataset = SequenceFileReader.Read(path, (columns ?? new SequenceReadOptions()) with { RequireLabels = false, LabelKind = LabelKind.Categorical });
        var sentences = new List<string>();
        int firstLine = 0;
        foreach (SequenceExample example in dataset.Examples)
            foreach (string? text in (string?[])[example.Text, example.TextPair])
                if (!string.IsNullOrWhiteSpace(text))
                {
                    if (sentences.Count == 0)
                        firstLine = example.Line;
                    sentences.Add(text);
                }
        if (sentences.Count > 0)
            yield return new CorpusDocument(path, firstLine, sentences);
    }

    private static IEnumerable<CorpusDocument> ReadJsonLines(string path)
    {
        foreach ((int number, string line) in Utf8Lines.Read(path))
        {
            if (string.IsNullOrWhiteSpace(line))
                continue;
            string[] sentences = TextOf(line, path, number)
                .Split(["\r\n", "\n", "\r"], StringSplitOptions.None)
                .Where(s => !string.IsNullOrWhiteSpace(s))
                .ToArray();
            if (sentences.Length > 0)
                yield return new CorpusDocument(path, number, sentences);
        }
    }

    private static string TextOf(string line, string path, int number)
    {
        using var document = JsonLine.Parse(path, number, line);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidFileException(path, number, "expected a JSON object with a \"text\" field");
        if (!root.TryGetProperty("text", out JsonElement text) || text.ValueKind != JsonValueKind.String)
            throw new InvalidFileException(path, number, "\"text\" is missing or not a string");
        return text.GetString()!;
    }
}
