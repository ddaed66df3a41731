using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertCore.IO;

/// <summary>
/// Typed reads of the top-level fields of a JSON config, each error naming the file and the field. A field that
/// is absent or JSON null reads as null. Remembers which fields were read, so the rest can be kept as extras.
/// </summary>
internal sealed class ConfigFieldReader(string path, JsonObject root)
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public int? Int(string field) => Read(field, node =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out int v) ? v : Fail<int>(field, node, "an integer"));

    public float? Float(string field) => Read(field, node =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out float v) ? v : Fail<float>(field, node, "a number"));

    public double? Double(string field) => Read(field, node =>
        node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue(out double v) ? v : Fail<double>(field, node, "a number"));

    public bool? Bool(string field) => Read(field, node =>
        node.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? node.GetValue<bool>() : Fail<bool>(field, node, "true or false"));

    public string? String(string field) => ReadObject(field, node => StringOf(field, node));

    public IReadOnlyList<string>? Strings(string field) => ReadObject(field, node =>
        node is JsonArray array
            ? array.Select(item => item is null ? Fail<string>(field, item, "a list of strings") : StringOf(field, item)).ToArray()
            : Fail<IReadOnlyList<string>>(field, node, "a list of strings"));

    /// <summary>A JSON object whose keys are ids written as strings ("0", "1", ...) and whose values are strings.</summary>
    public IReadOnlyDictionary<int, string>? IdToString(string field) => ReadObject(field, node =>
    {
        if (node is not JsonObject map) return Fail<IReadOnlyDictionary<int, string>>(field, node, "an object of id → label");
        var result = new Dictionary<int, string>();
        foreach (var (key, value) in map)
        {
            if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out int id))
                throw new InvalidFileException(path, null, $"field '{field}': key \"{key}\" is not a non-negative integer");
            if (!result.TryAdd(id, value is null ? Fail<string>(field, value, "a string label") : StringOf(field, value)))
                throw new InvalidFileException(path, null, $"field '{field}': key \"{key}\" repeats id {id}");
        }
        return result;
    });

    /// <summary>A JSON object whose values are integer ids.</summary>
    public IReadOnlyDictionary<string, int>? StringToId(string field) => ReadObject(field, node =>
    {
        if (node is not JsonObject map) return Fail<IReadOnlyDictionary<string, int>>(field, node, "an object of label → id");
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in map)
            result[key] = value is not null && value.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue(out int id)
                ? id
                : Fail<int>(field, value, $"an integer id for \"{key}\"");
        return result;
    });

    /// <summary>Copies of the fields that were never read.</summary>
    public JsonObject Unread()
    {
        var extra = new JsonObject();
        foreach (var (key, value) in root)
            if (!_read.Contains(key)) extra[key] = value?.DeepClone();
        return extra;
    }

    private T? Read<T>(string field, Func<JsonNode, T> convert) where T : struct
    {
        _read.Add(field);
        return root.TryGetPropertyValue(field, out var node) && node is not null ? convert(node) : null;
    }

    private T? ReadObject<T>(string field, Func<JsonNode, T> convert) where T : class
    {
        _read.Add(field);
        return root.TryGetPropertyValue(field, out var node) && node is not null ? convert(node) : null;
    }

    private string StringOf(string field, JsonNode node) =>
        node.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : Fail<string>(field, node, "a string");

    private T Fail<T>(string field, JsonNode? node, string expected) =>
        throw new InvalidFileException(path, null,
            $"field '{field}': expected {expected}, found {node?.ToJsonString() ?? "null"}");
}
