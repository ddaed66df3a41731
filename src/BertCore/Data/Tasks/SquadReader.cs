using System.Globalization;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// Reads extractive QA data in SQuAD v1.1 JSON: <c>{"data": [{"title", "paragraphs": [{"context", "qas": [{"id",
/// "question", "answers": [{"answer_start", "text"}]}]}]}]}</c> (XQuAD uses the same layout). Every answer is
/// checked against its context: the text at <c>answer_start</c> must be the answer text.
/// </summary>
public static class SquadReader
{
    /// <summary>Reads every question of <paramref name="path"/>.</summary>
    /// <param name="path">The SQuAD JSON file.</param>
    /// <param name="dropMismatchedAnswers">
    /// Leave out (and list in <see cref="QaDataset.DroppedAnswers"/>) answers whose text is not at their
    /// <c>answer_start</c>, instead of failing on the first one.
    /// </param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">
    /// Invalid JSON, a missing or mistyped field, a repeated question id, an answer that does not match its context
    /// (unless dropped), or no questions. The message names the line and the question.
    /// </exception>
    public static QaDataset Read(string path, bool dropMismatchedAnswers = false)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        LocatedJson root = LocatedJson.Parse(path);
        if (root.Kind != JsonValueKind.Object)
            throw new InvalidFileException(path, root.Line, "expected a JSON object with a \"data\" array (SQuAD v1.1)");
        var examples = new List<QaExample>();
        var dropped = new List<string>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        int paragraphs = 0;
        List<LocatedJson> articles = Array(path, root, "data");
        foreach (LocatedJson article in articles)
        {
            string title = article["title"] is { } t ? String(path, t, "title") : "";
            foreach (LocatedJson paragraph in Array(path, article, "paragraphs"))
            {
                paragraphs++;
                string context = String(path, Required(path, paragraph, "context"), "context");
                foreach (LocatedJson qa in Array(path, paragraph, "qas"))
                {
                    string id = Id(path, qa);
                    if (!ids.TryAdd(id, qa.Line))
                        throw new InvalidFileException(path, qa.Line, $"question id '{id}' repeats the question on line {ids[id]}");
                    string question = String(path, Required(path, qa, "question"), "question");
                    var answers = new List<QaAnswer>();
                    foreach (LocatedJson answer in qa["answers"] is null ? [] : Array(path, qa, "answers"))
                    {
                        string? problem = Answer(path, answer, context, out QaAnswer? parsed);
                        if (problem is null)
                            answers.Add(parsed!);
                        else if (dropMismatchedAnswers)
                            dropped.Add($"{path}:{answer.Line}: question '{id}': {problem}");
                        else
                            throw new InvalidFileException(path, answer.Line, $"question '{id}': {problem}");
                    }
                    examples.Add(new QaExample(id, title, context, question, answers, qa.Line));
                }
            }
        }
        if (examples.Count == 0)
            throw new InvalidFileException(path, root.Line, "no questions");
        return new QaDataset(path, examples, articles.Count, paragraphs, dropped);
    }

    /// <summary>Parses one answer; returns why it does not match the context, or null when it does.</summary>
    private static string? Answer(string path, LocatedJson answer, string context, out QaAnswer? parsed)
    {
        parsed = null;
        string text = String(path, Required(path, answer, "text"), "text");
        LocatedJson startValue = Required(path, answer, "answer_start");
        if (startValue.Kind != JsonValueKind.Number || !int.TryParse(startValue.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int codePointStart))
            throw new InvalidFileException(path, startValue.Line, $"answer_start must be an integer, not {startValue.Text ?? startValue.Kind.ToString()}");
        return AnswerSpans.Locate(context, text, codePointStart, out parsed);
    }

    private static string Id(string path, LocatedJson qa)
    {
        LocatedJson id = Required(path, qa, "id");
        return id.Kind is JsonValueKind.String or JsonValueKind.Number && !string.IsNullOrEmpty(id.Text)
            ? id.Text!
            : throw new InvalidFileException(path, id.Line, "question id must be a non-empty string");
    }

    private static LocatedJson Required(string path, LocatedJson parent, string name)
    {
        if (parent.Kind != JsonValueKind.Object)
            throw new InvalidFileException(path, parent.Line, $"expected an object with \"{name}\", found {parent.Kind}");
        return parent[name] ?? throw new InvalidFileException(path, parent.Line, $"missing \"{name}\"");
    }

    private static List<LocatedJson> Array(string path, LocatedJson parent, string name)
    {
        LocatedJson value = Required(path, parent, name);
        return value.Items ?? throw new InvalidFileException(path, value.Line, $"\"{name}\" must be an array, not {value.Kind}");
    }

    private static string String(string path, LocatedJson value, string name) =>
        value.Kind == JsonValueKind.String
            ? value.Text!
            : throw new InvalidFileException(path, value.Line, $"\"{name}\" must be a string, not {value.Kind}");
}
