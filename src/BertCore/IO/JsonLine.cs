using System.Text.Json;

namespace BertCore.IO;

/// <summary>
/// Parses one line of a JSONL file strictly: besides the syntax, every string and property name must decode, so
/// an unpaired surrogate escape (<c>"\ud800"</c>) is reported here, naming the line, instead of surfacing as an
/// InvalidOperationException from System.Text.Json when the value is first read.
/// </summary>
internal static class JsonLine
{
    /// <summary>The line's JSON document (the caller disposes it).</summary>
    /// <exception cref="InvalidFileException">Invalid JSON or a string that is not valid text, naming <paramref name="path"/> and <paramref name="line"/>.</exception>
    public static JsonDocument Parse(string path, int line, string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, line, $"invalid JSON: {e.Message}", e);
        }
        try
        {
            CheckStrings(document.RootElement);
            return document;
        }
        catch (InvalidOperationException e)
        {
            document.Dispose();
            throw new InvalidFileException(path, line, $"a JSON string is not valid text ({e.Message})", e);
        }
    }

    /// <summary>Decodes every string and property name below <paramref name="element"/>.</summary>
    private static void CheckStrings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    _ = property.Name;
                    CheckStrings(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                    CheckStrings(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
        }
    }
}
