using System.Globalization;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// Reads token-classification and QA examples from JSONL (one object per line, blank lines skipped), the input
/// layout of <c>bertcore predict</c>: <c>{"tokens": [...]}</c> (optionally <c>"tags"</c>) and
/// <c>{"question", "context"}</c> (optionally <c>"id"</c> and <c>"answers"</c>). Sentence tasks read JSONL through
/// <see cref="SequenceFileReader"/>.
/// </summary>
public static class JsonlTaskReader
{
    /// <summary>Reads <c>{"tokens": ["w1", ...], "tags": ["O", ...]}</c> lines; tags are optional (null when absent) but must be IOB.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">Invalid JSON, a missing or non-string token, tags of another count or not IOB, or no lines.</exception>
    public static IReadOnlyList<TaggedSentence> ReadTokens(string path) => ReadLines(path, (line, root) =>
    {
        string[] words = Strings(path, line, root, "tokens") ?? throw new InvalidFileException(path, line, "missing \"tokens\" (an array of strings)");
        string[]? tags = Strings(path, line, root, "tags");
        if (tags is not null && tags.Length != words.Length)
            throw new InvalidFileException(path, line, $"{tags.Length} tags for {words.Length} tokens");
        if (tags?.FirstOrDefault(t => !IobTags.IsValid(t)) is { } bad)
            throw new InvalidFileException(path, line, $"tag '{bad}' is not IOB (O, B-type or I-type)");
        return new TaggedSentence(words, tags, line);
    });

    /// <summary>
    /// Reads <c>{"id", "question", "context", "answers"}</c> lines. The id defaults to the line number; answers are
    /// optional, either SQuAD's list <c>[{"text", "answer_start"}]</c> or Hugging Face datasets' <c>{"text": [...],
    /// "answer_start": [...]}</c>, and each must match the context at its <c>answer_start</c> (code points).
    /// </summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">Invalid JSON, a missing question or context, a malformed or mismatched answer, or no lines.</exception>
    public static IReadOnlyList<QaExample> ReadQuestions(string path) => ReadLines(path, (line, root) =>
    {
        string question = String(path, line, root, "question");
        string context = String(path, line, root, "context");
        string id = root.TryGetProperty("id", out JsonElement idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
            ? idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : idValue.GetRawText()
            : line.ToString(CultureInfo.InvariantCulture);
        var answers = new List<QaAnswer>();
        foreach ((string text, int start) in Answers(path, line, root))
        {
            string? problem = AnswerSpans.Locate(context, text, start, out QaAnswer? answer);
            answers.Add(answer ?? throw new InvalidFileException(path, line, $"question '{id}': {problem}"));
        }
        return new QaExample(id, "", context, question, answers, line);
    });

    private static List<T> ReadLines<T>(string path, Func<int, JsonElement, T> read)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        string[] lines = TextLines.Read(path);
        var items = new List<T>();
        for (int i = 0; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
                continue;
            using (JsonDocument document = JsonLine.Parse(path, i + 1, lines[i]))
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                    throw new InvalidFileException(path, i + 1, "expected one JSON object per line");
                items.Add(read(i + 1, document.RootElement));
            }
        }
        if (items.Count == 0)
            throw new InvalidFileException(path, null, "no examples");
        return items;
    }

    private static IEnumerable<(string Text, int Start)> Answers(string path, int line, JsonElement root)
    {
        if (!root.TryGetProperty("answers", out JsonElement answers) || answers.ValueKind == JsonValueKind.Null)
            return [];
        if (answers.ValueKind == JsonValueKind.Array)
            return answers.EnumerateArray().Select(a => a.ValueKind == JsonValueKind.Object
                ? (String(path, line, a, "text"), Int(path, line, a.TryGetProperty("answer_start", out JsonElement s) ? s : default))
                : throw new InvalidFileException(path, line, "each answer must be an object {\"text\", \"answer_start\"}")).ToArray();
        if (answers.ValueKind == JsonValueKind.Object)
        {
            string[] texts = Strings(path, line, answers, "text") ?? [];
            int[] starts = answers.TryGetProperty("answer_start", out JsonElement s) && s.ValueKind == JsonValueKind.Array
                ? s.EnumerateArray().Select(v => Int(path, line, v)).ToArray()
                : [];
            if (texts.Length != starts.Length)
                throw new InvalidFileException(path, line, $"answers has {texts.Length} texts but {starts.Length} answer_start values");
            return texts.Zip(starts);
        }
        throw new InvalidFileException(path, line, "\"answers\" must be a list of {\"text\", \"answer_start\"} or {\"text\": [...], \"answer_start\": [...]}");
    }

    private static string String(string path, int line, JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidFileException(path, line, $"\"{name}\" must be a string");

    private static int Int(string path, int line, JsonElement value) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int n)
            ? n
            : throw new InvalidFileException(path, line, "answer_start must be an integer");

    private static string[]? Strings(string path, int line, JsonElement parent, string name)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return null;
        if (value.ValueKind != JsonValueKind.Array || value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw new InvalidFileException(path, line, $"\"{name}\" must be an array of strings");
        return value.EnumerateArray().Select(v => v.GetString()!).ToArray();
    }
}
