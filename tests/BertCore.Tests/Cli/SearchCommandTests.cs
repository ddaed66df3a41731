using System.Text.Json;
using BertCore.Embeddings;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore index` and `bertcore search` on the PyTorch fixture model, against a brute-force ranking of the
/// library's vectors (<see cref="SentenceEmbedder"/>; the exactness of the search itself is VectorIndexSearchTests').</summary>
public class SearchCommandTests : IDisposable
{
    private static readonly string Model = Fixtures.Path("bert", "model");
    private static readonly string[] Documents = ["ba be bi", "da", "fa fe fi fo fu", "ga ge", "ha hi ho", "ja je ji jo"];
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, IEnumerable<string> lines)
    {
        string path = _temp.File(name);
        File.WriteAllLines(path, lines);
        return path;
    }

    /// <summary>The ids (line numbers) of the k documents closest to <paramref name="query"/>, by double dot products.</summary>
    private static string[] BruteForce(string model, string query, int k)
    {
        using var embedder = SentenceEmbedder.Load(model);
        var q = embedder.Embed(query);
        var docs = embedder.Embed(Documents);
        return docs.Select((v, i) => (Id: (i + 1).ToString(), Score: v.Zip(q).Sum(p => (double)p.First * p.Second)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Id, StringComparer.Ordinal).Take(k).Select(x => x.Id).ToArray();
    }

    [Fact]
    public void An_indexed_corpus_answers_queries_as_a_brute_force_ranking_of_the_same_vectors()
    {
        // Normalized vectors: cosine scores, so a query equal to a document finds it first (an unnormalized random
        // model ranks mostly by the documents' norms, the same for every query).
        string model = _temp.File("normalized-model"), corpus = Write("corpus.txt", Documents), index = _temp.File("index");
        CopyFolder(Model, model);
        new EmbeddingPooling(PoolingMode.Mean, Normalize: true).Write(model, 96);
        var built = CliRunner.Run("index", "--model", model, "--corpus", corpus, "--output", index);
        Assert.True(built.ExitCode == 0, built.StdErr);
        Assert.Contains("6 documents added", built.StdOut);

        string[] queries = ["fa fe fi fo fu", "ba be bi"];
        var r = CliRunner.Run("search", "--index", index, "--queries", Write("queries.txt", queries), "-k", "3");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var lines = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        foreach (var (line, query) in lines.Zip(queries))
        {
            using var hits = JsonDocument.Parse(line);
            Assert.Equal(query, hits.RootElement.GetProperty("query").GetString());
            var ids = hits.RootElement.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("id").GetString()!).ToArray();
            Assert.Equal(BruteForce(model, query, 3), ids);
            Assert.Equal((Array.IndexOf(Documents, query) + 1).ToString(), ids[0]);
        }
        string output = _temp.File("hits.jsonl");
        var toFile = CliRunner.Run("search", "--index", index, "--queries", _temp.File("queries.txt"), "-k", "3", "--output", output);
        Assert.True(toFile.ExitCode == 0, toFile.StdErr);
        Assert.Equal(lines, File.ReadAllLines(output));
    }

    [Fact]
    public void A_second_corpus_extends_the_index_and_another_model_is_refused()
    {
        string index = _temp.File("index");
        Assert.Equal(0, CliRunner.Run("index", "--model", Model, "--corpus", Write("a.txt", Documents[..3]), "--output", index, "--precision", "int8").ExitCode);
        var more = CliRunner.Run("index", "--model", Model, "--corpus", Write("b.jsonl",
            Documents[3..].Select((t, i) => JsonSerializer.Serialize(new { id = "b" + i, text = t }))), "--output", index);
        Assert.True(more.ExitCode == 0, more.StdErr);
        using (var opened = VectorIndex.Open(index))
        {
            Assert.Equal(6, opened.Count);
            Assert.Equal(VectorPrecision.Int8, opened.Precision);
        }

        // The same weights pooled otherwise make other vectors: another fingerprint, refused before any embedding.
        string maxPooled = _temp.File("max-model");
        CopyFolder(Model, maxPooled);
        new EmbeddingPooling(PoolingMode.Max, Normalize: false).Write(maxPooled, 96);
        var refused = CliRunner.Run("search", "--index", index, "--query", "ba", "--model", maxPooled);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("was built with model", refused.StdErr);
        Assert.Contains("/max/", refused.StdErr);
        var refusedAdd = CliRunner.Run("index", "--model", maxPooled, "--corpus", Write("c.txt", ["ka"]), "--output", index);
        Assert.Equal(1, refusedAdd.ExitCode);
        using var unchanged = VectorIndex.Open(index);
        Assert.Equal(6, unchanged.Count);
    }

    [Fact]
    public void A_corpus_with_a_repeated_id_fails_and_leaves_no_index()
    {
        string index = _temp.File("index"), corpus = Write("dup.jsonl", ["{\"id\": \"a\", \"text\": \"ba\"}", "{\"id\": \"a\", \"text\": \"be\"}"]);
        var r = CliRunner.Run("index", "--model", Model, "--corpus", corpus, "--output", index);
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("\"a\"", r.StdErr);
        Assert.False(Directory.Exists(index));
    }

    [Theory]
    [InlineData(new[] { "--query", "ba", "--queries", "q.txt" }, "either --query TEXT or --queries FILE")]
    [InlineData(new string[0], "either --query TEXT or --queries FILE")]
    [InlineData(new[] { "--query", "ba", "-k", "0" }, "-k must be at least 1")]
    public void Usage_errors_name_the_option(string[] args, string message)
    {
        string index = _temp.File("index");
        Assert.Equal(0, CliRunner.Run("index", "--model", Model, "--corpus", Write("a.txt", Documents), "--output", index).ExitCode);
        var r = CliRunner.Run(["search", "--index", index, .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }
}
