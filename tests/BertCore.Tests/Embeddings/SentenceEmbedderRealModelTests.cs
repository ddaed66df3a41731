using BertCore.Data.Tasks;
using BertCore.Embeddings;
using BertCore.Metrics;
using BertCore.Nn.Bert;
using BertCore.Tests.IO.Onnx;
using BertCore.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 (the real model of ../shared/tools/real-models, imported from its ONNX file) as a sentence
/// embedder, against ONNX Runtime running the same ONNX file on the same token ids, its last hidden state pooled in
/// the test as sentence-transformers pools it (mean over the attention mask, then L2 normalization).
/// </summary>
public class SentenceEmbedderRealModelTests(ImportedRealModels models, ITestOutputHelper log) : IClassFixture<ImportedRealModels>
{
    [RealModelFact]
    public void Minilm_embeddings_equal_onnx_runtime_on_stsb_sentences()
    {
        var (folder, _) = models.Get("minilm-l6");
        using var embedder = SentenceEmbedder.Load(folder, new SentenceEmbedderOptions { Normalize = true });
        using var oracle = new OnnxRuntimeOracle(ImportedRealModels.Source("minilm-l6"));
        // The 256 sentences of the first 128 STS-B dev pairs (3 to over 40 tokens): the embedder batches them by
        // length, ONNX Runtime takes them in file order, 16 at a time, so both pad differently.
        var sentences = StsbDev().Take(128).SelectMany(e => new[] { e.Text, e.TextPair! }).ToArray();

        var ours = embedder.Embed(sentences);
        var theirs = OnnxVectors(oracle, embedder, sentences);
        double worst = 0;
        for (int i = 0; i < sentences.Length; i++) worst = Math.Max(worst, Differences.MaxAbs(theirs[i], ours[i]));
        log.WriteLine($"minilm-l6, {sentences.Length} sentences: max |BertCore − ONNX Runtime| of the normalized mean-pooled vectors {worst:E2}");
        // The bar: 1e-4 absolute per component (fp32 on both sides; unit vectors of 384 components).
        Assert.True(worst <= 1e-4, $"embeddings differ by {worst:E2}");
    }

    [RealModelFact]
    public void Similarity_evaluation_gives_the_spearman_of_onnx_runtime_vectors()
    {
        var (folder, _) = models.Get("minilm-l6");
        using var embedder = SentenceEmbedder.Load(folder);
        using var oracle = new OnnxRuntimeOracle(ImportedRealModels.Source("minilm-l6"));
        // Every fourth pair of STS-B dev (375 of 1500, all genres), as OnnxImportRealModelTests; BERTCORE_STSB_EVERY=1
        // takes every pair (about a minute on two shared cores).
        int every = int.TryParse(Environment.GetEnvironmentVariable("BERTCORE_STSB_EVERY"), out int n) && n > 0 ? n : 4;
        var pairs = StsbDev().Where((_, i) => i % every == 0).ToArray();
        var scores = SimilarityEvaluation.Score(embedder, pairs.Select(e => (e.Text, e.TextPair!, (double)e.Value!.Value)).ToArray());

        var vectors = OnnxVectors(oracle, embedder, pairs.SelectMany(e => new[] { e.Text, e.TextPair! }).ToArray());
        var cosines = vectors.Chunk(2).Select(p => p[0].Zip(p[1]).Sum(x => (double)x.First * x.Second)).ToArray();
        var gold = pairs.Select(e => (double)e.Value!.Value).ToArray();
        double spearman = Correlation.Spearman(gold, cosines), pearson = Correlation.Pearson(gold, cosines);
        log.WriteLine($"STS-B dev, {pairs.Length} pairs: BertCore pearson {scores.Pearson:F6}, spearman {scores.Spearman:F6}; " +
            $"ONNX Runtime pearson {pearson:F6}, spearman {spearman:F6}");
        Assert.Equal(pairs.Length, scores.Pairs);
        // The bar for Spearman, 1e-4, and the same for Pearson (the vectors differ by about 1e-7, so only a
        // swap of two near-equal cosines could move the ranks; on all 1,500 pairs both agree to 6 digits).
        Assert.True(Math.Abs(scores.Spearman - spearman) <= 1e-4, $"Spearman {scores.Spearman} vs ONNX Runtime's {spearman}");
        Assert.True(Math.Abs(scores.Pearson - pearson) <= 1e-4, $"Pearson {scores.Pearson} vs ONNX Runtime's {pearson}");
    }

    /// <summary>ONNX Runtime's last hidden state of each sentence (BertCore's token ids, 16 per batch in the given
    /// order), mean-pooled over the attention mask and normalized in double: [N][384].</summary>
    private static float[][] OnnxVectors(OnnxRuntimeOracle oracle, SentenceEmbedder embedder, string[] sentences)
    {
        var vectors = new List<float[]>();
        foreach (var chunk in sentences.Chunk(16))
        {
            var encoded = embedder.Tokenizer.EncodeBatch(chunk);
            var batch = new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask);
            vectors.AddRange(EncoderRun.MeanPooledNormalized(oracle.Run(batch)["last_hidden_state"], batch.AttentionMask, batch.Batch, batch.SequenceLength));
        }
        return vectors.ToArray();
    }

    private static IReadOnlyList<SequenceExample> StsbDev() =>
        SequenceFileReader.Read(SharedData.File("pairs", "stsb", "dev.tsv"), new SequenceReadOptions { LabelKind = LabelKind.Numeric }).Examples;
}
