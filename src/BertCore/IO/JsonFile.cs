using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertCore.IO;

/// <summary>
/// Reads a whole JSON file (a config) strictly, so that every problem is found while parsing and reported with its
/// line: a UTF-8 byte-order mark is skipped; invalid UTF-8 or an unpaired surrogate escape (<c>"\ud800"</c>) in a
/// string or property name, and a property name repeated in one object, are errors (System.Text.Json would
/// otherwise throw InvalidOperationException or ArgumentException later, when the value is first read).
/// </summary>
internal static class JsonFile
{
    /// <summary>The file's JSON value (null for the literal <c>null</c>).</summary>
    /// <exception cref="InvalidFileException">Invalid JSON, invalid text in a string, or a repeated property name.</exception>
    public static JsonNode? Parse(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        ReadOnlySpan<byte> json = bytes.AsSpan(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0);
        try
        {
            CheckNamesAndStrings(path, json);
            return JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, e.LineNumber is long l ? (int)l + 1 : null, $"not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Decodes every string and property name (the check JsonNode leaves until a value is read) and finds repeated names.</summary>
    private static void CheckNamesAndStrings(string path, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        var objects = new Stack<HashSet<string>>();
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    objects.Push(new HashSet<string>(StringComparer.Ordinal));
                    break;
                case JsonTokenType.EndObject:
                    objects.Pop();
                    break;
                case JsonTokenType.PropertyName:
                    string name = Decode(path, json, ref reader);
                    if (!objects.Peek().Add(name))
                        throw new InvalidFileException(path, LineOf(json, reader.TokenStartIndex), $"property \"{name}\" appears twice in one object");
                    break;
                case JsonTokenType.String:
                    Decode(path, json, ref reader);
                    break;
            }
        }
    }

    private static string Decode(string path, ReadOnlySpan<byte> json, ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidFileException(path, LineOf(json, reader.TokenStartIndex), $"a JSON string is not valid text ({e.Message})", e);
        }
    }

    private static int LineOf(ReadOnlySpan<byte> json, long offset) => 1 + json[..(int)offset].Count((byte)'\n');
}
