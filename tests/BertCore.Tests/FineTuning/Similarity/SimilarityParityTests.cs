using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Similarity;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.FineTuning.Similarity;

/// <summary>
/// One bi-encoder training step against tools/reference/make_biencoder_fixture.py (a random BertModel of hidden 48,
/// 2 layers; 4 examples of 2 or 3 sentences of up to 11 tokens, padded): the pooled sentence vectors, the loss of
/// sentence-transformers' CosineSimilarityLoss, CoSENTLoss and MultipleNegativesRankingLoss, and every parameter's
/// gradient (<see cref="GradientParity"/>), for mean, cls and max pooling.
/// </summary>
public class SimilarityParityTests(ITestOutputHelper output)
{
    /// <summary>Vectors and loss within 1e-4 of the largest magnitude, as the other parity tests (fp32 in another
    /// summation order; the fixture's float32 and float64 losses differ by at most 1e-6 relative).</summary>
    private const double Tolerance = 1e-4;

    /// <summary>Mathematically zero: the key biases (a softmax ignores a shift of a whole row) and the pooler, which no
    /// loss reaches (the bi-encoder keeps it frozen).</summary>
    private static readonly string[] ExactZero =
    [
        "bert.encoder.layer.0.attention.self.key.bias", "bert.encoder.layer.1.attention.self.key.bias",
        "bert.pooler.dense.weight", "bert.pooler.dense.bias",
    ];

    [Theory]
    [InlineData("cosine-mean", SimilarityLoss.Cosine, PoolingMode.Mean, 2)]
    [InlineData("cosent-mean", SimilarityLoss.CoSent, PoolingMode.Mean, 2)]
    [InlineData("mnrl-mean", SimilarityLoss.MultipleNegativesRanking, PoolingMode.Mean, 3)]
    [InlineData("mnrl-pairs-mean", SimilarityLoss.MultipleNegativesRanking, PoolingMode.Mean, 2)]
    [InlineData("cosine-cls", SimilarityLoss.Cosine, PoolingMode.Cls, 2)]
    [InlineData("cosine-max", SimilarityLoss.Cosine, PoolingMode.Max, 2)]
    public void One_training_step_matches_pytorch(string name, SimilarityLoss loss, PoolingMode pooling, int columns)
    {
        string dir = Fixtures.Path("biencoder");
        using var io = SafeTensorsFile.Open(Path.Combine(dir, name + ".safetensors"));
        var config = BertConfig.Load(Path.Combine(dir, "config.json"));
        var spec = TaskSpec.Create(TaskKind.Similarity, null, config.MaxPositionEmbeddings) with { Embedding = new EmbeddingPooling(pooling, false), Loss = loss };
        using var network = TaskNetwork.Create(spec, config);
        var report = Checkpoint.LoadWeights(network.Model, Path.Combine(dir, "model.safetensors"));
        Assert.Empty(report.Missing);
        Assert.Empty(report.Unused);

        int rows = 4 * columns, features = 4;
        var ids = io.Ints("input_ids");
        var inputs = new BertBatch(rows, ids.Length / rows, ids, null, io.Ints("attention_mask"));
        var scores = loss.NeedsScores() ? io.Floats("scores") : null;
        var batch = new TaskBatch(inputs, Enumerable.Range(0, features).ToArray(), scores == null ? Enumerable.Range(0, features).ToArray() : null, scores, null, null);

        using var g = new Graph(new CpuBackend());
        var result = network.Forward(g, batch);
        Assert.Equal([features, columns * config.HiddenSize], result.Logits.Shape.ToArray());
        Close.RelativeToMax(result.Logits.Span, io.Floats("vectors"), Tolerance, "vectors");
        float expected = io.Floats("loss")[0], actual = result.Loss!.Item();
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Max(1, Math.Abs(expected)), $"loss {actual} vs PyTorch {expected}");
        g.Backward(result.Loss);
        output.WriteLine($"{name}: loss {actual} vs {expected}; " + GradientParity.Check(network.Model, io, ExactZero));
    }
}
