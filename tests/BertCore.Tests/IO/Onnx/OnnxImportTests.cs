using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.IO.Onnx;

/// <summary>
/// ModelImport.FromOnnx on the small graphs of tools/reference/fixtures/onnx (make_onnx_fixtures.py): a tiny BERT
/// exported by torch.onnx at opset 13 (decomposed LayerNorm, pooler as Gemm, "bert." prefix) and at opset 17
/// (LayerNormalization nodes, no pooler, no prefix), checked against ONNX Runtime running the same file; and
/// graphs that are not BERT encoders, or not ONNX, which must be refused with no output folder left.
/// </summary>
public class OnnxImportTests(ITestOutputHelper log) : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string Fixture(string name) => Fixtures.Path("onnx", name);

    private static readonly (int, int, int, int, int, int, int, float) Expected = (57, 24, 2, 3, 40, 20, 3, 1e-6f);

    /// <summary>vocabulary, hidden, layers, heads, feed-forward, positions, token types, LayerNorm epsilon.</summary>
    private static (int, int, int, int, int, int, int, float) Sizes(BertConfig c) =>
        (c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings,
            c.TypeVocabSize, c.LayerNormEps);

    [Theory]
    [InlineData("tiny_bert.onnx", true)]
    [InlineData("tiny_bert_opset17.onnx", false)]
    public void Configuration_is_read_from_the_graph(string file, bool pooler)
    {
        string output = _temp.File("model");
        var result = ModelImport.FromOnnx(Fixture(file), output);

        // make_onnx_fixtures.py's CONFIG: every size differs from BERT's defaults, so none can pass by being assumed.
        Assert.Equal(Expected, Sizes(result.Config));
        Assert.Equal(pooler, result.HasPooler);
        Assert.Empty(result.Ignored);
        Assert.Equal(Fixture("vocab.txt"), result.VocabSource);
        Assert.Equal(File.ReadAllText(Fixture("vocab.txt")), File.ReadAllText(Path.Combine(output, "vocab.txt")));

        Assert.Equal(Expected, Sizes(ModelDirectory.LoadConfig(output)));
        using var model = ModelDirectory.LoadPreTraining(output);
        Assert.Equal(pooler, model.Bert.Pooler != null);
    }

    [Theory]
    [InlineData("tiny_bert.onnx")]
    [InlineData("tiny_bert_opset17.onnx")]
    public void Imported_model_matches_onnx_runtime(string file)
    {
        string output = _temp.File("model");
        ModelImport.FromOnnx(Fixture(file), output);
        using var model = ModelDirectory.LoadPreTraining(output);
        using var oracle = new OnnxRuntimeOracle(Fixture(file));
        // Three rows of lengths 9, 5 and 2 padded to 9, all three token types, ids across the vocabulary.
        var batch = new BertBatch(3, 9,
            [2, 40, 7, 56, 13, 3, 22, 31, 3, 2, 9, 10, 11, 3, 0, 0, 0, 0, 2, 3, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 1, 1, 2, 0, 1, 1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);

        var (hidden, pooled) = EncoderRun.Forward(model, batch);
        var expected = oracle.Run(batch);

        // fp32 on both sides over sums of at most 40 terms of values of order 1: the two differ by rounding only
        // (measured about 1e-6); 1e-5 absolute leaves room and would still catch a wrong transpose, epsilon or head split.
        double worst = Differences.MaxAbs(expected["last_hidden_state"], hidden);
        log.WriteLine($"{file}: last_hidden_state max |BertCore − ONNX Runtime| = {worst:E2}");
        Assert.True(worst <= 1e-5, $"last_hidden_state differs by {worst:E2}");
        if (expected.TryGetValue("pooler_output", out var expectedPooled))
        {
            worst = Differences.MaxAbs(expectedPooled, pooled!);
            log.WriteLine($"{file}: pooler_output max |BertCore − ONNX Runtime| = {worst:E2}");
            Assert.True(worst <= 1e-5, $"pooler_output differs by {worst:E2}");
        }
        else
            Assert.Null(pooled);
    }

    [Theory]
    [InlineData("mlp.onnx", "not a BERT encoder: the graph has no initializer named", "embeddings.word_embeddings.weight")]
    [InlineData("embeddings_only.onnx", "not a BERT encoder: the graph has no encoder layers", "encoder.layer.0.attention.self.query.bias")]
    public void Another_architecture_is_refused_naming_what_is_missing(string file, string problem, string missing)
    {
        var e = RefusedWithoutOutput(Fixture(file));
        Assert.Contains(problem, e.Message);
        Assert.Contains(missing, e.Message);
    }

    /// <summary>Changes to the tiny exports that make them something BertCore does not implement, or not a BERT.</summary>
    public static TheoryData<string, string, string> Mutations => new()
    {
        // The tanh approximation of GELU (or any other activation) in place of the erf form.
        { "tiny_bert.onnx", "Erf->Tanh", "not a BERT encoder: the graph has no exact (erf) GELU after layer 0's intermediate.dense" },
        // No Reshape into heads anywhere.
        { "tiny_bert.onnx", "Reshape->Flatten", "not a BERT encoder: the graph has no split of layer 0's attention into heads" },
        // The query projection is not a MatMul with a weight.
        { "tiny_bert.onnx", "MatMul->Mul", "not a BERT encoder: no weight found for encoder.layer.0.attention.self.query" },
        // One LayerNorm with another epsilon.
        { "tiny_bert_opset17.onnx", "epsilon", "LayerNorm epsilons differ: embeddings.LayerNorm 1E-05, encoder.layer.0.attention.output.LayerNorm 1E-06" },
    };

    [Theory]
    [MemberData(nameof(Mutations))]
    public void A_graph_changed_away_from_bert_is_refused(string file, string change, string problem)
    {
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(Fixture(file)));
        foreach (var node in model.Graph.Node)
        {
            if (change.Split("->") is [var from, var to] && node.OpType == from) node.OpType = to;
            if (change == "epsilon" && node.OpType == "LayerNormalization" && node.Input[1] == "embeddings.LayerNorm.weight")
                node.Attribute.Single(a => a.Name == "epsilon").F = 1e-5f;
        }
        string source = _temp.File("changed.onnx");
        File.WriteAllBytes(source, Google.Protobuf.MessageExtensions.ToByteArray(model));

        var e = RefusedWithoutOutput(source);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void A_truncated_onnx_file_is_refused()
    {
        byte[] bytes = File.ReadAllBytes(Fixture("tiny_bert.onnx"));
        string path = _temp.File("truncated.onnx");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var e = RefusedWithoutOutput(path);
        Assert.Contains("not an ONNX model: the protobuf message does not parse", e.Message);
    }

    [Fact]
    public void A_file_of_another_format_is_refused()
    {
        var e = RefusedWithoutOutput(Fixture("vocab.txt"));
        Assert.StartsWith(Fixture("vocab.txt") + ": not an ONNX model", e.Message);
    }

    [Fact]
    public void A_vocabulary_larger_than_the_embedding_table_is_refused()
    {
        string vocab = _temp.File("vocab.txt");
        File.WriteAllLines(vocab, [.. BertCore.Text.Vocabulary.SpecialTokens, .. Enumerable.Range(0, 60).Select(i => $"w{i}")]);

        var e = Assert.Throws<InvalidFileException>(() => ModelImport.FromOnnx(Fixture("tiny_bert.onnx"), _temp.File("model"), vocab));
        Assert.Equal($"{vocab}: 65 tokens, but the word-embedding table of {Fixture("tiny_bert.onnx")} has 57 rows", e.Message);
        Assert.False(Directory.Exists(_temp.File("model")));
    }

    [Fact]
    public void Without_a_vocabulary_beside_the_source_none_is_written()
    {
        string source = _temp.File("alone.onnx");
        File.Copy(Fixture("tiny_bert_opset17.onnx"), source);

        var result = ModelImport.FromOnnx(source, _temp.File("model"));
        Assert.Null(result.VocabSource);
        Assert.Equal(["config.json", "model.safetensors"], Directory.GetFiles(_temp.File("model")).Select(Path.GetFileName).Order());
    }

    /// <summary>Imports <paramref name="source"/>, expecting an error that starts with the file's path and leaves
    /// neither the output folder nor a temporary one beside it.</summary>
    private InvalidFileException RefusedWithoutOutput(string source)
    {
        string output = _temp.File("model");
        var e = Assert.Throws<InvalidFileException>(() => ModelImport.FromOnnx(source, output));
        Assert.StartsWith(source + ": ", e.Message);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.GetDirectories(_temp.Root));
        return e;
    }
}
