using System.Text.Json;
using System.Text.Json.Nodes;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// sentence-transformers' <c>sentence_bert_config.json</c> in a model folder: BertCore reads the one field that changes
/// the vectors, <c>max_seq_length</c> (all-MiniLM-L6-v2 cuts texts at 256 tokens although its model has 512 positions).
/// </summary>
public static class SentenceBertConfig
{
    public const string FileName = "sentence_bert_config.json";

    /// <summary>The folder's <c>max_seq_length</c>, or null when the file or the field is absent (or null).</summary>
    /// <exception cref="InvalidFileException">The file is not valid JSON or not an object, or the field is not an integer of at least 2.</exception>
    public static int? MaxSeqLength(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return null;
        if (JsonFile.Parse(path) is not JsonObject fields) throw new InvalidFileException(path, null, "the top level is not a JSON object");
        if (!fields.TryGetPropertyValue("max_seq_length", out var value) || value is null) return null;
        return value.GetValueKind() == JsonValueKind.Number && value.AsValue().TryGetValue(out int length) && length >= 2
            ? length
            : throw new InvalidFileException(path, null, "\"max_seq_length\" must be an integer of at least 2 ([CLS] and [SEP])");
    }
}
