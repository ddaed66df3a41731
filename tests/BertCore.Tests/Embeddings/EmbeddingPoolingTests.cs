using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary>
/// <see cref="EmbeddingPooling"/> against sentence-transformers' own files: the modules.json and 1_Pooling/config.json
/// of real embedding models on the Hugging Face hub, copied here verbatim, and malformed variants of them.
/// </summary>
public class EmbeddingPoolingTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>sentence-transformers/all-MiniLM-L6-v2's modules.json (Transformer, mean Pooling, Normalize).</summary>
    private const string MiniLmModules = """
        [
          {
            "idx": 0,
            "name": "0",
            "path": "",
            "type": "sentence_transformers.models.Transformer"
          },
          {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling"
          },
          {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize"
          }
        ]
        """;

    /// <summary>all-MiniLM-L6-v2's 1_Pooling/config.json (written by an older sentence-transformers: five fields).</summary>
    private const string MiniLmPooling = """
        {
          "word_embedding_dimension": 384,
          "pooling_mode_cls_token": false,
          "pooling_mode_mean_tokens": true,
          "pooling_mode_max_tokens": false,
          "pooling_mode_mean_sqrt_len_tokens": false
        }
        """;

    /// <summary>BAAI/bge-small-en-v1.5's 1_Pooling/config.json ([CLS] pooling; its modules.json is MiniLM's).</summary>
    private const string BgePooling = """
        {
          "word_embedding_dimension": 384,
          "pooling_mode_cls_token": true,
          "pooling_mode_mean_tokens": false,
          "pooling_mode_max_tokens": false,
          "pooling_mode_mean_sqrt_len_tokens": false
        }
        """;

    /// <summary>sentence-transformers/all-mpnet-base-v2 without its Normalize entry: a model that is not normalized.</summary>
    private const string UnnormalizedModules = """
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
         {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
        """;

    private string Folder(string modules, string? pooling)
    {
        string dir = _temp.File(Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(dir, "1_Pooling"));
        File.WriteAllText(Path.Combine(dir, "modules.json"), modules);
        if (pooling != null) File.WriteAllText(Path.Combine(dir, "1_Pooling", "config.json"), pooling);
        return dir;
    }

    [Fact]
    public void Real_sentence_transformers_folders_are_read()
    {
        Assert.Equal(new EmbeddingPooling(PoolingMode.Mean, true), EmbeddingPooling.Read(Folder(MiniLmModules, MiniLmPooling)));
        Assert.Equal(new EmbeddingPooling(PoolingMode.Cls, true), EmbeddingPooling.Read(Folder(MiniLmModules, BgePooling)));
        Assert.Equal(new EmbeddingPooling(PoolingMode.Mean, false), EmbeddingPooling.Read(Folder(UnnormalizedModules, MiniLmPooling)));
    }

    [Fact]
    public void A_folder_without_modules_json_has_no_pooling() => Assert.Null(EmbeddingPooling.Read(_temp.Root));

    [Theory]
    [InlineData(PoolingMode.Mean, true)]
    [InlineData(PoolingMode.Mean, false)]
    [InlineData(PoolingMode.Cls, true)]
    [InlineData(PoolingMode.Max, false)]
    public void Written_files_read_back_and_match_sentence_transformers_layout(PoolingMode mode, bool normalize)
    {
        string dir = _temp.File("written");
        Directory.CreateDirectory(dir);
        new EmbeddingPooling(mode, normalize).Write(dir, 384);

        Assert.Equal(new EmbeddingPooling(mode, normalize), EmbeddingPooling.Read(dir));
        // The fields sentence-transformers' Pooling(**config) takes: the dimension and exactly one mode on.
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "1_Pooling", "config.json")))!.AsObject();
        Assert.Equal(384, (int)config["word_embedding_dimension"]!);
        Assert.Equal(mode == PoolingMode.Mean, (bool)config["pooling_mode_mean_tokens"]!);
        Assert.Equal(mode == PoolingMode.Cls, (bool)config["pooling_mode_cls_token"]!);
        Assert.Equal(mode == PoolingMode.Max, (bool)config["pooling_mode_max_tokens"]!);
        var types = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "modules.json")))!.AsArray()
            .Select(m => (string)m!["type"]!).ToArray();
        string[] expected = normalize
            ? ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling", "sentence_transformers.models.Normalize"]
            : ["sentence_transformers.models.Transformer", "sentence_transformers.models.Pooling"];
        Assert.Equal(expected, types);
        Assert.Equal(normalize, Directory.Exists(Path.Combine(dir, "2_Normalize")));
    }

    [Theory]
    [InlineData("[{\"type\": ", "not valid JSON")]
    [InlineData("{\"0\": {}}", "the top level is not a JSON array")]
    [InlineData("[{\"idx\": 0, \"path\": \"\", \"type\": \"sentence_transformers.models.Transformer\"}]", "lists no sentence_transformers.models.Pooling module")]
    public void A_malformed_modules_json_is_an_error_naming_it(string modules, string problem)
    {
        string dir = Folder(modules, MiniLmPooling);
        var e = Assert.Throws<InvalidFileException>(() => EmbeddingPooling.Read(dir));
        Assert.Equal(Path.Combine(dir, "modules.json"), e.Path);
        Assert.Contains(problem, e.Message);
    }

    [Theory]
    [InlineData("{\"pooling_mode_mean_tokens\": tru", "not valid JSON")]
    [InlineData("[true]", "the top level is not a JSON object")]
    [InlineData("{\"word_embedding_dimension\": 384, \"pooling_mode_mean_tokens\": false}", "turns on no pooling_mode_* field")]
    [InlineData("{\"pooling_mode_mean_tokens\": true, \"pooling_mode_max_tokens\": true}", "turns on pooling_mode_mean_tokens, pooling_mode_max_tokens")]
    [InlineData("{\"pooling_mode_mean_sqrt_len_tokens\": true}", "BertCore computes exactly one of")]
    [InlineData(null, "is missing (modules.json names it)")]
    public void A_malformed_pooling_config_is_an_error_naming_it(string? pooling, string problem)
    {
        string dir = Folder(MiniLmModules, pooling);
        var e = Assert.Throws<InvalidFileException>(() => EmbeddingPooling.Read(dir));
        Assert.Equal(Path.Combine(dir, "1_Pooling", "config.json"), e.Path);
        Assert.Contains(problem, e.Message);
    }
}
