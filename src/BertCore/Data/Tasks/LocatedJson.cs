using System.Text.Json;
using BertCore.IO;

namespace BertCore.Data.Tasks;

/// <summary>
/// A parsed JSON value that remembers the line it starts on, so readers of nested JSON files (SQuAD) can name
/// the line of a bad value. Objects keep their properties in file order.
/// </summary>
internal sealed class LocatedJson
{
    private LocatedJson(JsonValueKind kind, int line, string? text, List<KeyValuePair<string, LocatedJson>>? properties, List<LocatedJson>? items)
    {
        Kind = kind;
        Line = line;
        Text = text;
        Properties = properties;
        Items = items;
    }

    /// <summary>Object, Array, String, Number, True, False or Null.</summary>
    public JsonValueKind Kind { get; }

    /// <summary>1-based line where the value starts.</summary>
    public int Line { get; }

    /// <summary>A string's value or a number's text as written; null for other kinds.</summary>
    public string? Text { get; }

    /// <summary>An object's properties in file order; null for other kinds.</summary>
    public List<KeyValuePair<string, LocatedJson>>? Properties { get; }

    /// <summary>An array's items; null for other kinds.</summary>
    public List<LocatedJson>? Items { get; }

    /// <summary>The property <paramref name="name"/> of an object (the last one when repeated, as Python's json), or null when absent.</summary>
    public LocatedJson? this[string name] => Properties?.LastOrDefault(p => p.Key == name).Value;

    /// <summary>Parses a whole file (a UTF-8 byte-order mark is skipped).</summary>
    /// <exception cref="InvalidFileException">Invalid JSON, with the line of the error.</exception>
    public static LocatedJson Parse(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int skip = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        ReadOnlySpan<byte> json = bytes.AsSpan(skip);
        var lineStarts = new List<int> { 0 };
        for (int i = 0; i < json.Length; i++)
            if (json[i] == (byte)'\n')
                lineStarts.Add(i + 1);
        int LineOf(long offset)
        {
            int index = lineStarts.BinarySearch((int)offset);
            return (index >= 0 ? index : ~index - 1) + 1;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read())
                throw new InvalidFileException(path, null, "empty file (no JSON value)");
            LocatedJson root = ReadValue(ref reader, LineOf);
            if (reader.Read())
                throw new InvalidFileException(path, LineOf(reader.TokenStartIndex), "text after the end of the JSON value");
            return root;
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, (int?)e.LineNumber + 1, $"invalid JSON: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // A string that is not valid UTF-8 fails when it is decoded, after its token was read.
            throw new InvalidFileException(path, LineOf(reader.TokenStartIndex), $"invalid JSON string: {e.Message}", e);
        }
    }

    private static LocatedJson ReadValue(ref Utf8JsonReader reader, Func<long, int> lineOf)
    {
        int line = lineOf(reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var properties = new List<KeyValuePair<string, LocatedJson>>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    string name = reader.GetString()!;
                    reader.Read();
                    properties.Add(new(name, ReadValue(ref reader, lineOf)));
                }
                return new LocatedJson(JsonValueKind.Object, line, null, properties, null);
            case JsonTokenType.StartArray:
                var items = new List<LocatedJson>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    items.Add(ReadValue(ref reader, lineOf));
                return new LocatedJson(JsonValueKind.Array, line, null, null, items);
            case JsonTokenType.String:
                return new LocatedJson(JsonValueKind.String, line, reader.GetString(), null, null);
            case JsonTokenType.Number:
                return new LocatedJson(JsonValueKind.Number, line, System.Text.Encoding.UTF8.GetString(reader.ValueSpan), null, null);
            case JsonTokenType.True:
                return new LocatedJson(JsonValueKind.True, line, null, null, null);
            case JsonTokenType.False:
                return new LocatedJson(JsonValueKind.False, line, null, null, null);
            default:
                return new LocatedJson(JsonValueKind.Null, line, null, null, null);
        }
    }
}
