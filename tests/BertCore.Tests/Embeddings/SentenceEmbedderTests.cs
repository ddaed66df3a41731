using BertCore.Checkpoints;
using BertCore.Embeddings;
using BertCore.Nn.Bert;
using BertCore.Tests.IO;
using BertCore.Tests.IO.Onnx;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary>
/// <see cref="SentenceEmbedder"/> on the PyTorch fixture model (tools/reference/fixtures/bert: 3 layers, hidden 96,
/// 64 positions; its encoder is checked against PyTorch in BertParityTests). The oracle here is that encoder run on
/// one text at a time (no padding, no batching) and pooled on the host in double precision, as sentence-transformers
/// pools: so these tests check the batching by length, the padding, the pooling and the normalization.
/// </summary>
public class SentenceEmbedderTests : IDisposable
{
    private static readonly string Model = Fixtures.Path("bert", "model");
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Texts of 1 to 24 words of the fixture vocabulary, in no order of length, so batches of 3 mix lengths.</summary>
    private static readonly string[] Texts =
    [
        "ba be bi", "da", "fa fe fi fo fu ga ge ba be bi bo bu da de di do du", "bo bu", "ge ga fo fi fe fa da de di do du bu bo bi be ba ge ga fo fi fe fa da de",
        "fi", "de di do du fa", "ba ba ba ba ba ba ba", "",
    ];

    [Theory]
    [InlineData(PoolingMode.Mean, false)]
    [InlineData(PoolingMode.Mean, true)]
    [InlineData(PoolingMode.Cls, false)]
    [InlineData(PoolingMode.Max, true)]
    public void Batched_vectors_equal_each_text_pooled_alone(PoolingMode mode, bool normalize)
    {
        using var embedder = SentenceEmbedder.Load(Model, new SentenceEmbedderOptions { Pooling = mode, Normalize = normalize, BatchSize = 3 });
        var actual = embedder.Embed(Texts);

        var expected = Texts.Select(t => Oracle(Model, embedder.Tokenizer.Encode(t, maxLength: 64), mode, normalize)).ToArray();
        Assert.Equal(Texts.Length, actual.Length);
        // fp32 on both sides; padding and batching change only the order of the sums (hidden 96, vectors of order 1).
        for (int i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(96, actual[i].Length);
            double worst = Differences.MaxAbs(expected[i], actual[i]);
            Assert.True(worst <= 1e-5, $"text {i} ({mode}, normalize {normalize}): differs by {worst:E2}");
        }
        if (normalize) Assert.All(actual, v => Assert.Equal(1.0, Math.Sqrt(v.Sum(x => (double)x * x)), 5));
    }

    [Fact]
    public void Texts_beyond_the_positions_are_truncated_and_reported_once_per_call()
    {
        using var embedder = SentenceEmbedder.Load(Model);
        var reports = new List<TruncatedTexts>();
        embedder.TextsTruncated += (_, e) => reports.Add(e);
        string longText = string.Join(" ", Enumerable.Repeat("ba be bi", 30));   // 90 words, 92 tokens with [CLS] and [SEP]
        Assert.True(embedder.Tokenizer.Encode(longText, truncation: Truncation.None).Length > 64);

        var vectors = embedder.Embed([longText, "da de", longText + " bo"]);
        Assert.Equal([new TruncatedTexts(2, 64)], reports);
        var cut = Oracle(Model, embedder.Tokenizer.Encode(longText, maxLength: 64), PoolingMode.Mean, false);
        Assert.True(Differences.MaxAbs(cut, vectors[0]) <= 1e-5, "the truncated text is not its first 62 tokens");

        embedder.Embed(["da de"]);
        Assert.Single(reports);
    }

    [Fact]
    public void Sentence_bert_config_max_seq_length_cuts_texts_unless_overridden()
    {
        string dir = CopyOfModel("max-seq-length");
        // sentence-transformers writes this file beside modules.json (all-MiniLM-L6-v2: 256, do_lower_case false).
        File.WriteAllText(Path.Combine(dir, "sentence_bert_config.json"), """{"max_seq_length": 8, "do_lower_case": false}""");
        string text = "ba be bi bo bu da de di do du";   // 10 words, 12 tokens
        using var embedder = SentenceEmbedder.Load(dir);
        using var overridden = SentenceEmbedder.Load(dir, new SentenceEmbedderOptions { MaxLength = 64 });
        var reports = new List<TruncatedTexts>();
        embedder.TextsTruncated += (_, e) => reports.Add(e);

        Assert.Equal((8, 64), (embedder.MaxLength, overridden.MaxLength));
        var cut = embedder.Embed(text);
        Assert.Equal([new TruncatedTexts(1, 8)], reports);
        Assert.True(Differences.MaxAbs(Oracle(Model, embedder.Tokenizer.Encode(text, maxLength: 8), PoolingMode.Mean, false), cut) <= 1e-5);
        Assert.True(Differences.MaxAbs(Oracle(Model, embedder.Tokenizer.Encode(text), PoolingMode.Mean, false), overridden.Embed(text)) <= 1e-5);
    }

    [Theory]
    [InlineData("{\"max_seq_length\": 1}")]
    [InlineData("{\"max_seq_length\": \"256\"}")]
    [InlineData("[256]")]
    public void A_malformed_sentence_bert_config_is_refused_naming_it(string json)
    {
        string dir = CopyOfModel("bad-config");
        string path = Path.Combine(dir, "sentence_bert_config.json");
        File.WriteAllText(path, json);
        Assert.Equal(path, Assert.Throws<BertCore.IO.InvalidFileException>(() => SentenceEmbedder.Load(dir)).Path);
    }

    [Fact]
    public void Concurrent_calls_give_the_vectors_of_one_call()
    {
        using var embedder = SentenceEmbedder.Load(Model, new SentenceEmbedderOptions { BatchSize = 2 });
        var alone = embedder.Embed(Texts);
        var results = new float[8][][];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => results[i] = embedder.Embed(Texts));
        foreach (var result in results)
            for (int i = 0; i < Texts.Length; i++) Assert.Equal(alone[i], result[i]);
    }

    [Fact]
    public void Pooling_comes_from_the_folder_unless_overridden_and_is_in_the_fingerprint()
    {
        string dir = CopyOfModel("with-pooling");
        using (var bare = SentenceEmbedder.Load(dir))
        {
            Assert.Equal(new EmbeddingPooling(PoolingMode.Mean, false), bare.Pooling);
            Assert.Matches("^sha256:[0-9a-f]{64}/mean/unnormalized$", bare.ModelFingerprint);
        }
        new EmbeddingPooling(PoolingMode.Max, true).Write(dir, 96);
        using var stored = SentenceEmbedder.Load(dir);
        using var overridden = SentenceEmbedder.Load(dir, new SentenceEmbedderOptions { Pooling = PoolingMode.Cls, Normalize = false });
        Assert.Equal(new EmbeddingPooling(PoolingMode.Max, true), stored.Pooling);
        Assert.Equal(new EmbeddingPooling(PoolingMode.Cls, false), overridden.Pooling);
        string hash = stored.ModelFingerprint.Split('/')[0];
        Assert.Equal(hash + "/max/normalized", stored.ModelFingerprint);
        Assert.Equal(hash + "/cls/unnormalized", overridden.ModelFingerprint);
        // The hash is the weights file's: sha256sum's output for the fixture (an independent implementation).
        Assert.Equal("sha256:" + Sha256Sum(Path.Combine(Model, "model.safetensors")), hash);
    }

    [Fact]
    public void A_folder_missing_encoder_tensors_is_refused_naming_the_weights_file()
    {
        string dir = CopyOfModel("no-layer");
        string weights = Path.Combine(dir, "model.safetensors");
        using (var model = ModelDirectory.LoadPreTraining(Model))
            Checkpoint.SaveWeights(model, weights, p => !p.Name.StartsWith("bert.encoder.layer.2.", StringComparison.Ordinal));
        var e = Assert.Throws<BertCore.IO.InvalidFileException>(() => SentenceEmbedder.Load(dir));
        Assert.Equal(weights, e.Path);
        Assert.Contains("encoder tensors are missing", e.Message);
    }

    [Fact]
    public void A_fine_tuned_task_folder_embeds_with_its_encoder()
    {
        // PyTorch's BertForSequenceClassification fixture (hidden 48, 32 positions): the classifier and pooler are unused.
        string task = Fixtures.Path("heads", "classify");
        using var embedder = SentenceEmbedder.Load(task, new SentenceEmbedderOptions { Pooling = PoolingMode.Cls });
        Assert.Equal(48, embedder.Dimension);
        var actual = embedder.Embed(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            var expected = Oracle(task, embedder.Tokenizer.Encode(Texts[i], maxLength: 32), PoolingMode.Cls, false);
            Assert.True(Differences.MaxAbs(expected, actual[i]) <= 1e-5, $"text {i}");
        }
    }

    /// <summary>The encoder of <paramref name="modelDir"/> on one encoding (no padding), pooled in double: [H].</summary>
    private static float[] Oracle(string modelDir, Encoding encoding, PoolingMode mode, bool normalize)
    {
        using var model = ModelDirectory.LoadPreTraining(modelDir);
        var batch = new BertBatch(1, encoding.Length, encoding.Ids.ToArray());
        var (hidden, _) = EncoderRun.Forward(model, batch);   // [1, S, H]
        int s = encoding.Length, h = hidden.Length / s;
        var pooled = new double[h];
        for (int d = 0; d < h; d++)
        {
            var column = Enumerable.Range(0, s).Select(t => (double)hidden[t * h + d]).ToArray();
            pooled[d] = mode switch { PoolingMode.Mean => column.Average(), PoolingMode.Max => column.Max(), _ => column[0] };
        }
        double norm = normalize ? Math.Sqrt(pooled.Sum(x => x * x)) : 1;
        return pooled.Select(x => (float)(x / norm)).ToArray();
    }

    private string CopyOfModel(string name)
    {
        string dir = _temp.File(name);
        Directory.CreateDirectory(dir);
        foreach (var file in Directory.GetFiles(Model)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    private static string Sha256Sum(string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("sha256sum", [path]) { RedirectStandardOutput = true };
        using var process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output.Split(' ')[0];
    }
}
