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
            JsonStrings.DecodeAll(document.RootElement);
            return document;
        }
        catch (InvalidOperationException e)
        {
            document.Dispose();
            throw new InvalidFileException(path, line, $"a JSON string is not valid text ({e.Message})", e);
        }
    }
}
