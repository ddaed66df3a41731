using System.Text.Encodings.Web;
using System.Text.Json;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Embeddings;

/// <summary>
/// <c>bertcore embed</c>'s work: embeds every text of an input file (<see cref="EmbeddingInputs"/>) and writes the
/// vectors atomically, in input order, as
/// <list type="bullet">
/// <item>JSONL (any output name not ending in .safetensors): one <c>{"id": ID, "embedding": [floats]}</c> per line;</item>
/// <item>safetensors (an output ending in .safetensors): the F32 tensor <c>"embeddings"</c> [N, H] and the metadata
/// <c>"ids"</c> (a JSON array of the ids, row order) and <c>"model_fingerprint"</c> (<see cref="SentenceEmbedder.ModelFingerprint"/>).</item>
/// </list>
/// </summary>
public static class EmbeddingFile
{
    /// <summary>Texts embedded per call of the embedder (the progress granularity).</summary>
    public const int ChunkSize = 256;

    /// <summary>The safetensors tensor holding the vectors [N, H].</summary>
    public const string EmbeddingsTensor = "embeddings";

    /// <summary>The safetensors metadata key of the ids (a JSON array).</summary>
    public const string IdsKey = "ids";

    /// <summary>The safetensors metadata key of <see cref="SentenceEmbedder.ModelFingerprint"/>.</summary>
    public const string FingerprintKey = "model_fingerprint";

    private static readonly JsonWriterOptions Writer = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Whether <paramref name="path"/> is written as safetensors (its extension is .safetensors, in any case).</summary>
    public static bool IsSafeTensors(string path) => Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase);

    /// <summary>Embeds every text of <paramref name="inputPath"/> and writes <paramref name="outputPath"/>.</summary>
    /// <param name="progress">Receives (texts done, texts in all) after each chunk.</param>
    /// <returns>The number of vectors written.</returns>
    /// <exception cref="InvalidFileException">The input is malformed (see <see cref="EmbeddingInputs.Read"/>).</exception>
    public static int Run(SentenceEmbedder embedder, string inputPath, string outputPath, IProgress<(int Done, int Total)>? progress = null)
    {
        var inputs = EmbeddingInputs.Read(inputPath);
        var vectors = Embed(embedder, inputs, progress);
        var ids = inputs.Select(i => i.IdJson).ToArray();
        if (IsSafeTensors(outputPath)) WriteSafeTensors(outputPath, ids, vectors, embedder);
        else WriteJsonl(outputPath, ids, vectors);
        return vectors.Length;
    }

    /// <summary>The vectors [N][H] of <paramref name="inputs"/>, embedded <see cref="ChunkSize"/> at a time.</summary>
    /// <param name="progress">Receives (texts done, texts in all) after each chunk.</param>
    public static float[][] Embed(SentenceEmbedder embedder, IReadOnlyList<EmbeddingInput> inputs, IProgress<(int Done, int Total)>? progress = null)
    {
        var vectors = new float[inputs.Count][];
        for (int from = 0; from < inputs.Count; from += ChunkSize)
        {
            int count = Math.Min(ChunkSize, inputs.Count - from);
            var chunk = embedder.Embed(inputs.Skip(from).Take(count).Select(i => i.Text).ToArray());
            chunk.CopyTo(vectors, from);
            progress?.Report((from + count, inputs.Count));
        }
        return vectors;
    }

    /// <summary>ids [N] (raw JSON), vectors [N][H].</summary>
    private static void WriteJsonl(string path, string[] ids, float[][] vectors) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, Writer);
        for (int i = 0; i < vectors.Length; i++)
        {
            json.WriteStartObject();
            json.WritePropertyName("id");
            json.WriteRawValue(ids[i]);
            json.WriteStartArray("embedding");
            foreach (float x in vectors[i]) json.WriteNumberValue(x);
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            stream.WriteByte((byte)'\n');
            json.Reset();
        }
    });

    /// <summary>ids [N] (raw JSON), vectors [N][H].</summary>
    private static void WriteSafeTensors(string path, string[] ids, float[][] vectors, SentenceEmbedder embedder)
    {
        using var matrix = Tensor.FromArray(vectors.SelectMany(v => v).ToArray(), vectors.Length, embedder.Dimension);
        var metadata = new Dictionary<string, string>
        {
            [IdsKey] = "[" + string.Join(",", ids) + "]",
            [FingerprintKey] = embedder.ModelFingerprint,
        };
        SafeTensorsWriter.Write(path, [KeyValuePair.Create(EmbeddingsTensor, matrix)], metadata);
    }
}
