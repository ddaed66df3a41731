using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.FineTuning.Representations;

/// <summary>
/// <see cref="PooledSequenceNetwork"/>: cls is Hugging Face's head bit for bit; every other pooling (and external
/// features) gives the logits of a double-precision hand computation over the encoder's hidden states; a saved
/// model loads back as the same network.
/// </summary>
public class PooledNetworkTests
{
    private const int B = 2, S = 5, H = 8, Labels = 3;

    /// <summary>fp32 pooling and a 3×(8 or 24) classifier on top of fp32 hidden states: rounding near 1e-6 of the largest logit.</summary>
    private const double Tolerance = 1e-5;

    private static readonly BertConfig Config = new()
    {
        VocabSize = 30, HiddenSize = H, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 16,
    };

    /// <summary>Row 1 has two padding tokens.</summary>
    private static BertBatch Batch() => new(B, S, [2, 7, 9, 11, 3, 2, 14, 3, 0, 0], attentionMask: [1, 1, 1, 1, 1, 1, 1, 1, 0, 0]);

    private static TaskSpec Spec(Pooling? pooling, int external = 0) =>
        TaskSpec.Create(TaskKind.Classify, new LabelVocabulary(["a", "b", "c"]), 16) with { Pooling = pooling, ExternalFeatures = external };

    private static TaskNetwork Network(Pooling? pooling, int external = 0)
    {
        var network = TaskNetwork.Create(Spec(pooling, external), Config);
        network.Initialize(7);
        if (network is PooledSequenceNetwork { Pooled.Mix: { } mix })
        {
            // Away from the equal-weight start, so that the order of the hidden states matters.
            new float[] { 0.3f, -0.7f, 0.9f }.CopyTo(mix.Weights.Value.Span);
            mix.Gamma.Value.Span[0] = 1.7f;
        }
        return network;
    }

    private static (float[] Logits, float Loss) Run(TaskNetwork network, BertBatch batch, float[]? external = null, bool training = false)
    {
        using var g = new Graph(new CpuBackend()) { Training = training, Seed = 3 };
        var output = network.Forward(g, new TaskBatch(batch, [0, 1], [2, 0], null, null, null) { External = external });
        var result = (output.Logits.ToArray(), output.Loss!.Item());
        if (training) g.Backward(output.Loss!);
        g.Reset();
        return result;
    }

    /// <summary>Bitwise equal logits and loss.</summary>
    private static void SameOutputs((float[] Logits, float Loss) expected, (float[] Logits, float Loss) actual)
    {
        Assert.Equal(expected.Logits, actual.Logits);
        Assert.Equal(expected.Loss, actual.Loss);
    }

    [Fact]
    public void Cls_pooling_is_bitwise_the_hugging_face_head_in_values_and_gradients()
    {
        using var hf = Network(null);
        using var cls = Network(Pooling.Cls);
        Assert.IsNotType<PooledSequenceNetwork>(hf);
        Assert.IsType<PooledSequenceNetwork>(cls);
        Assert.Equal(hf.Model.Parameters().Select(p => p.Name), cls.Model.Parameters().Select(p => p.Name));
        SameOutputs(Run(hf, Batch()), Run(cls, Batch()));
        SameOutputs(Run(hf, Batch(), training: true), Run(cls, Batch(), training: true));   // dropout on
        foreach (var (a, b) in hf.Model.Parameters().Zip(cls.Model.Parameters()))
            Assert.Equal(a.Grad.ToArray(), b.Grad.ToArray());
    }

    [Theory]
    [InlineData("mean", 0)]
    [InlineData("max", 0)]
    [InlineData("concat-last-2", 0)]
    [InlineData("concat-last-3", 0)]
    [InlineData("scalar-mix", 0)]
    [InlineData("mean", 2)]
    [InlineData("cls", 2)]
    public void Logits_are_the_classifier_over_the_pooled_hidden_states(string name, int external)
    {
        var pooling = Pooling.Parse(name);
        using var network = Network(pooling, external);
        var model = ((PooledSequenceNetwork)network).Pooled;
        var batch = Batch();
        float[]? features = external > 0 ? TestData.Uniform(B * external, 21) : null;

        double[][] hidden;
        double[]? pooled;
        using (var g = new Graph(new CpuBackend()))
        {
            var encoded = model.Bert.Forward(g, batch);
            hidden = encoded.HiddenStates.Select(h => h.ToArray().ToDouble()).ToArray();
            pooled = encoded.PoolerOutput?.ToArray().ToDouble();
            g.Reset();
        }
        var representation = new List<double>[B];
        for (int b = 0; b < B; b++)
        {
            representation[b] = [];
            double[] Token(int layer, int t) => hidden[layer].AsSpan((b * S + t) * H, H).ToArray();
            var tokens = Enumerable.Range(0, S).Where(t => batch.AttentionMask[b * S + t] == 1).ToArray();
            switch (pooling.Kind)
            {
                case PoolingKind.Cls:
                    representation[b].AddRange(pooled!.AsSpan(b * H, H).ToArray());
                    break;
                case PoolingKind.Mean:
                    representation[b].AddRange(Enumerable.Range(0, H).Select(d => tokens.Average(t => Token(2, t)[d])));
                    break;
                case PoolingKind.Max:
                    representation[b].AddRange(Enumerable.Range(0, H).Select(d => tokens.Max(t => Token(2, t)[d])));
                    break;
                case PoolingKind.ConcatLast:
                    for (int k = 0; k < pooling.Layers; k++) representation[b].AddRange(Token(2 - k, 0));
                    break;
                case PoolingKind.ScalarMix:
                    var w = model.Mix!.Weights.Value.ToArray().ToDouble();
                    double sum = w.Sum(Math.Exp), gamma = model.Mix.Gamma.Value.Item();
                    representation[b].AddRange(Enumerable.Range(0, H).Select(d => gamma * Enumerable.Range(0, 3).Sum(j => Math.Exp(w[j]) / sum * Token(j, 0)[d])));
                    break;
            }
            for (int e = 0; e < external; e++) representation[b].Add(features![b * external + e]);
        }
        var weight = model.Classifier.Weight.Value.ToArray();
        var bias = model.Classifier.Bias!.Value.ToArray();
        int width = representation[0].Count;
        Assert.Equal(weight.Length, Labels * width);
        var expected = new double[B * Labels];
        for (int b = 0; b < B; b++)
            for (int l = 0; l < Labels; l++)
                expected[b * Labels + l] = bias[l] + Enumerable.Range(0, width).Sum(i => weight[l * width + i] * representation[b][i]);

        Close.RelativeToMax(Run(network, batch, features).Logits, expected, Tolerance, name);
    }

    [Fact]
    public void External_features_are_required_when_the_model_takes_them()
    {
        using var network = Network(Pooling.Parse("mean"), external: 2);
        Assert.Throws<ArgumentException>(() => Run(network, Batch()));
        Assert.Throws<ArgumentException>(() => Run(network, Batch(), new float[3]));
    }

    [Theory]
    [InlineData("cls", 0)]
    [InlineData("max", 0)]
    [InlineData("concat-last-2", 0)]
    [InlineData("scalar-mix", 0)]
    [InlineData("mean", 4)]
    public void A_saved_model_loads_back_as_the_same_network(string name, int external)
    {
        using var folder = new TempFolder();
        using var network = Network(Pooling.Parse(name), external);
        TaskModelDirectory.Save(folder.Root, network, vocabSource: null);
        using var loaded = TaskModelDirectory.Load(folder.Root);
        Assert.Equal(network.Spec.Pooling, loaded.Spec.Pooling);
        Assert.Equal(external, loaded.Spec.ExternalFeatures);
        Assert.IsType<PooledSequenceNetwork>(loaded);
        float[]? features = external > 0 ? TestData.Uniform(B * external, 5) : null;
        SameOutputs(Run(network, Batch(), features), Run(loaded, Batch(), features));
    }
}
