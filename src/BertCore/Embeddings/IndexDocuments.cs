using System.Text;
using System.Text.Json;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// The documents of a vector index, one JSON object <c>{"id": ..., "text": ...}</c> per line of a JSONL file, line i
/// for row i of the vectors. Ids are unique.
/// </summary>
internal static class IndexDocuments
{
    /// <summary>The ids and texts of <paramref name="path"/>, which must hold <paramref name="count"/> documents.</summary>
    /// <exception cref="InvalidFileException">A line is not such an object, an id repeats, or the file holds another count.</exception>
    public static (string[] Ids, string[] Texts) Read(string path, int count, string manifestPath)
    {
        if (!File.Exists(path)) throw new InvalidFileException(path, null, $"is missing ({manifestPath} names it)");
        string[] lines = TextLines.Read(path);
        if (lines.Length != count)
            throw new InvalidFileException(path, null, $"holds {lines.Length} documents, but {manifestPath} says count {count}");
        var ids = new string[count];
        var texts = new string[count];
        var lineOfId = new Dictionary<string, int>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            using var document = JsonLine.Parse(path, i + 1, lines[i]);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidFileException(path, i + 1, "is not a JSON object {\"id\": ..., \"text\": ...}");
            ids[i] = StringField(root, "id", path, i + 1);
            texts[i] = StringField(root, "text", path, i + 1);
            if (!lineOfId.TryAdd(ids[i], i + 1))
                throw new InvalidFileException(path, i + 1, $"id \"{ids[i]}\" is already on line {lineOfId[ids[i]]}");
        }
        return (ids, texts);
    }

    /// <summary>
    /// Writes <paramref name="path"/> atomically: the bytes of <paramref name="previous"/> (the last generation's file,
    /// null for none) followed by one line per document of <paramref name="added"/>.
    /// </summary>
    public static void Write(string path, string? previous, IReadOnlyList<(string Id, string Text)> added) =>
        AtomicFile.Write(path, stream =>
        {
            if (previous is not null)
                using (var old = File.OpenRead(previous))
                    old.CopyTo(stream);
            var line = new StringBuilder();
            foreach (var (id, text) in added)
            {
                line.Clear().Append("{\"id\":");
                JsonText.AppendString(line, id).Append(",\"text\":");
                JsonText.AppendString(line, text).Append("}\n");
                stream.Write(Encoding.UTF8.GetBytes(line.ToString()));
            }
        });

    private static string StringField(JsonElement root, string name, string path, int line) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new InvalidFileException(path, line, $"field \"{name}\" is missing or not a string");
}
