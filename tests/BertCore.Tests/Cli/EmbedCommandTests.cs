using System.Text.Json;
using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore embed` and `bertcore evaluate --task similarity` on the PyTorch fixture model, against the
/// library (<see cref="SentenceEmbedder"/>, checked in SentenceEmbedderTests).</summary>
public class EmbedCommandTests : IDisposable
{
    private static readonly string Model = Fixtures.Path("bert", "model");
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string text)
    {
        string path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Text_lines_become_jsonl_vectors_with_line_number_ids()
    {
        string input = Write("texts.txt", "ba be bi\nda\nfa fe fi fo fu\n"), output = _temp.File("vectors.jsonl");
        var r = CliRunner.Run("embed", "--model", Model, "--input", input, "--output", output, "--pooling", "max", "--normalize", "--batch", "2");
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Contains("3 vectors of 96 (max pooling, normalized) written to", r.StdOut);

        using var embedder = SentenceEmbedder.Load(Model, new SentenceEmbedderOptions { Pooling = PoolingMode.Max, Normalize = true });
        var expected = embedder.Embed(["ba be bi", "da", "fa fe fi fo fu"]);
        var lines = File.ReadAllLines(output);
        Assert.Equal(3, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            Assert.Equal(i + 1, line.RootElement.GetProperty("id").GetInt32());
            var vector = line.RootElement.GetProperty("embedding").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            // Batches of 2 here, 32 in the library: the same texts, padded differently (fp32 sums over 96 dims).
            Assert.Equal(expected[i].Length, vector.Length);
            Assert.All(expected[i].Zip(vector), p => Assert.True(Math.Abs(p.First - p.Second) <= 1e-5, $"{p.First} vs {p.Second}"));
        }
    }

    [Fact]
    public void Jsonl_input_becomes_a_safetensors_matrix_with_ids_and_fingerprint()
    {
        string input = Write("texts.jsonl", "{\"id\": \"a\", \"text\": \"ba be bi\"}\n{\"text\": \"da\"}\n{\"id\": 9, \"text\": \"fa fe\"}\n");
        string output = _temp.File("vectors.safetensors");
        var r = CliRunner.Run("embed", "--model", Model, "--input", input, "--output", output);
        Assert.True(r.ExitCode == 0, r.StdErr);

        using var embedder = SentenceEmbedder.Load(Model);
        var expected = embedder.Embed(["ba be bi", "da", "fa fe"]).SelectMany(v => v).ToArray();
        using var file = SafeTensorsFile.Open(output);
        Assert.Equal([3, 96], file.Info(EmbeddingFile.EmbeddingsTensor).Shape);
        Assert.True(BertCore.Tests.IO.Onnx.Differences.MaxAbs(expected, file.Floats(EmbeddingFile.EmbeddingsTensor)) <= 1e-5);
        Assert.Equal("[\"a\",2,9]", file.Metadata[EmbeddingFile.IdsKey]);
        Assert.Equal(embedder.ModelFingerprint, file.Metadata[EmbeddingFile.FingerprintKey]);
        Assert.Equal([output], Directory.GetFiles(_temp.Root, "vectors*"));
    }

    [Theory]
    [InlineData("texts.txt", "ba\n\nbe\n", ":2: empty line")]
    [InlineData("texts.jsonl", "{\"text\": \"ba\"}\n{\"text\": \"be\"}\n{\"id\": 3}\n", ":3: needs a string field \"text\"")]
    public void Bad_input_fails_naming_file_and_line_and_writes_nothing(string name, string text, string problem)
    {
        string input = Write(name, text), output = _temp.File("vectors.jsonl");
        var r = CliRunner.Run("embed", "--model", Model, "--input", input, "--output", output);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(input + problem, r.StdErr);
        Assert.False(File.Exists(output));
    }

    [Fact]
    public void Truncated_texts_are_reported_once()
    {
        string longText = string.Join(" ", Enumerable.Repeat("ba be bi", 30));
        string input = Write("texts.txt", $"{longText}\nda\n{longText} bo\n"), output = _temp.File("vectors.jsonl");
        var r = CliRunner.Run("embed", "--model", Model, "--input", input, "--output", output);
        Assert.True(r.ExitCode == 0, r.StdErr);
        Assert.Equal(["2 texts were longer than 64 tokens and were truncated"], r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Evaluate_similarity_prints_the_library_scores()
    {
        string data = Write("sts.tsv", "sentence1\tsentence2\tscore\nba be bi\tba be bo\t4.5\nda de\tfa fe fi\t0.5\nbo bu\tbo bu da\t3.8\nge ga\tdi do du\t1.0\n");
        var r = CliRunner.Run("evaluate", "--model", Model, "--task", "similarity", "--data", data);
        Assert.True(r.ExitCode == 0, r.StdErr);

        using var embedder = SentenceEmbedder.Load(Model);
        Assert.Equal(SimilarityEvaluation.Evaluate(embedder, data).ToJson(), r.StdOut.Trim());
    }
}
