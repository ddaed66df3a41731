using System.Globalization;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>One text to embed.</summary>
/// <param name="IdJson">Its id as raw JSON: the input's "id" (a string or a number), else its line number.</param>
/// <param name="Text">The text.</param>
/// <param name="Line">The 1-based line of the input file it came from.</param>
public sealed record EmbeddingInput(string IdJson, string Text, int Line)
{
    /// <summary>The id as text: a JSON string's value, or a number as written.</summary>
    public string Id => IdJson.StartsWith('"') ? JsonSerializer.Deserialize<string>(IdJson)! : IdJson;
}

/// <summary>
/// Reads the input of <c>bertcore embed</c>. The file name decides the format:
/// <list type="bullet">
/// <item><c>.jsonl</c>: one JSON object per line with a string <c>"text"</c> and an optional <c>"id"</c> (a string
/// or a number; the line number when absent). Blank lines are skipped, as in <c>bertcore predict</c>.</item>
/// <item>anything else: plain text, one text per line; its id is the line number. A blank line is an error (it
/// would be embedded as an empty text, almost always by mistake).</item>
/// </list>
/// A text with no character other than white space is an error in both formats, naming the file and line.
/// </summary>
public static class EmbeddingInputs
{
    /// <summary>Whether <paramref name="path"/> is read as JSONL (its extension is .jsonl, in any case).</summary>
    public static bool IsJsonl(string path) => Path.GetExtension(path).Equals(".jsonl", StringComparison.OrdinalIgnoreCase);

    /// <summary>The texts of <paramref name="path"/> in file order.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">A blank text line, a JSONL line that is not an object with a string
    /// "text", an id that is not a string or a number, invalid UTF-8, or no texts at all.</exception>
    public static IReadOnlyList<EmbeddingInput> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        bool jsonl = IsJsonl(path);
        var lines = TextLines.Read(path);
        var inputs = new List<EmbeddingInput>(lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            int line = i + 1;
            if (jsonl && string.IsNullOrWhiteSpace(lines[i])) continue;
            var input = jsonl ? FromJson(path, line, lines[i]) : new EmbeddingInput(line.ToString(CultureInfo.InvariantCulture), lines[i], line);
            if (string.IsNullOrWhiteSpace(input.Text))
                throw new InvalidFileException(path, line, jsonl ? "\"text\" is empty" : "empty line: every line is one text to embed");
            inputs.Add(input);
        }
        if (inputs.Count == 0) throw new InvalidFileException(path, null, "no texts to embed");
        return inputs;
    }

    private static EmbeddingInput FromJson(string path, int line, string text)
    {
        using var document = JsonLine.Parse(path, line, text);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new InvalidFileException(path, line, "expected one JSON object per line");
        if (!root.TryGetProperty("text", out var value) || value.ValueKind != JsonValueKind.String)
            throw new InvalidFileException(path, line, "needs a string field \"text\"");
        string id = line.ToString(CultureInfo.InvariantCulture);
        if (root.TryGetProperty("id", out var idValue))
            id = idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? idValue.GetRawText()
                : throw new InvalidFileException(path, line, "\"id\" must be a string or a number");
        return new EmbeddingInput(id, value.GetString()!, line);
    }
}
