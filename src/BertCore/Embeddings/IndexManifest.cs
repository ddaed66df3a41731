using System.Text.Json;
using System.Text.Json.Nodes;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// A vector index's index.json: what built the vectors (the model fingerprint, and the model folder for people), their
/// dimension, count and precision, and the two data files of the current generation. Every Add writes a new
/// generation's files and then replaces index.json, the one step that commits it.
/// </summary>
internal sealed record IndexManifest(
    string ModelFingerprint, string? ModelPath, int Dimension, int Count, VectorPrecision Precision, int Generation)
{
    public const string FileName = "index.json";
    public const string Format = "bertcore-vector-index";
    public const int Version = 1;

    /// <summary>The safetensors file of this generation: "vectors" [Count, Dimension] (F32, or I8 with "scales" F32 [Count]).</summary>
    public string VectorsFile => $"vectors-{Generation}.safetensors";

    /// <summary>The JSONL file of this generation: one {"id", "text"} object per line, in the order of the vectors.</summary>
    public string DocumentsFile => $"documents-{Generation}.jsonl";

    /// <summary>Reads and checks <c>DIR/index.json</c>.</summary>
    /// <exception cref="InvalidFileException">The file is missing, not this format or version, or a field is missing or out of range.</exception>
    public static IndexManifest Read(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path))
            throw new InvalidFileException(path, null, Directory.Exists(dir) ? "is missing: the folder is not a vector index" : "is missing: the index folder does not exist");
        if (JsonFile.Parse(path) is not JsonObject root) throw new InvalidFileException(path, null, "the top level is not a JSON object");
        var fields = new ConfigFieldReader(path, root);
        InvalidFileException Bad(string problem) => new(path, null, problem);
        if (fields.String("format") != Format) throw Bad($"field 'format' is not \"{Format}\"");
        int version = fields.Int("format_version") ?? throw Bad("field 'format_version' is missing");
        if (version != Version) throw Bad($"format_version {version} is not {Version}, the one this BertCore reads");
        string fingerprint = fields.String("model_fingerprint") ?? throw Bad("field 'model_fingerprint' is missing");
        int dimension = fields.Int("dimension") ?? throw Bad("field 'dimension' is missing");
        if (dimension <= 0) throw Bad($"field 'dimension' is {dimension}, not positive");
        int count = fields.Int("count") ?? throw Bad("field 'count' is missing");
        if (count < 0) throw Bad($"field 'count' is {count}, negative");
        string precisionName = fields.String("precision") ?? throw Bad("field 'precision' is missing");
        var precision = VectorPrecisions.Parse(precisionName) ?? throw Bad($"field 'precision' is \"{precisionName}\", not \"fp32\" or \"int8\"");
        int generation = fields.Int("generation") ?? throw Bad("field 'generation' is missing");
        if (generation < 0) throw Bad($"field 'generation' is {generation}, negative");
        return new IndexManifest(fingerprint, fields.String("model_path"), dimension, count, precision, generation);
    }

    /// <summary>Writes <c>DIR/index.json</c> atomically (readers see the old file or this one).</summary>
    public void Write(string dir)
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["format_version"] = Version,
            ["model_fingerprint"] = ModelFingerprint,
            ["model_path"] = ModelPath,
            ["dimension"] = Dimension,
            ["count"] = Count,
            ["precision"] = Precision.Name(),
            ["generation"] = Generation,
        };
        AtomicFile.Write(Path.Combine(dir, FileName), stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            root.WriteTo(json);
        });
    }
}
