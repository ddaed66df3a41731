using System.Text.Json;
using System.Text.Json.Nodes;

namespace BertCore.IO;

/// <summary>
/// Hugging Face's tokenizer_config.json in a model folder: BertCore reads and writes the one field that changes
/// how text is tokenized, <c>do_lower_case</c> (uncased vocabularies lower-case and strip accents).
/// </summary>
public static class TokenizerConfig
{
    public const string FileName = "tokenizer_config.json";

    /// <summary>The folder's <c>do_lower_case</c>, or null when the file or the field is absent.</summary>
    /// <exception cref="InvalidFileException">The file is not valid JSON (see <see cref="JsonFile"/>) or not an object, or the field is not a boolean.</exception>
    public static bool? DoLowerCase(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        if (JsonFile.Parse(path) is not JsonObject fields) throw new InvalidFileException(path, null, "the top level is not a JSON object");
        if (!fields.TryGetPropertyValue("do_lower_case", out var value) || value is null) return null;
        return value.GetValueKind() switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidFileException(path, null, "\"do_lower_case\" must be true or false"),
        };
    }

    /// <summary>Writes a tokenizer_config.json that transformers' BertTokenizer(Fast) loads with the same settings, atomically.</summary>
    public static void Save(string dir, bool doLowerCase, int modelMaxLength)
    {
        var fields = new JsonObject
        {
            ["do_lower_case"] = doLowerCase,
            ["model_max_length"] = modelMaxLength,
            ["tokenizer_class"] = "BertTokenizer",
        };
        AtomicFile.Write(Path.Combine(dir, FileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            fields.WriteTo(json);
        });
    }
}
