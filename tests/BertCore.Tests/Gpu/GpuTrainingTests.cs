using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>The loss of the first step, every parameter's gradient after its backward, and the loss after one AdamW step.</summary>
internal sealed record TrainingTrace(float FirstLoss, Dictionary<string, float[]> Gradients, float SecondLoss);

/// <summary>
/// A whole training step on the GPU backend: a tiny BERT (MLM + NSP, padding, dropout on) on the simulator gives the
/// CPU backend's loss, gradients and post-AdamW loss. Every op of the step runs through the kernels; the host reads
/// back only the loss (the gradients are downloaded by the test).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuTrainingTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    /// <summary>Step 1 (forward, backward, AdamW) then the forward of step 2, seeded; <paramref name="place"/> moves the
    /// model to the backend's memory.</summary>
    internal static TrainingTrace Train(IBackend backend, Action<BertForPreTraining>? place = null)
    {
        var config = new BertConfig
        {
            VocabSize = 29, HiddenSize = 12, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 20,
            MaxPositionEmbeddings = 16, HiddenDropoutProb = 0.1f, AttentionProbsDropoutProb = 0.1f,
        };
        using var model = new BertForPreTraining(config);
        model.Initialize(7);
        place?.Invoke(model);
        using var graph = new Graph(backend) { Training = true, Seed = 7 };
        using var adam = new AdamW(backend, ParameterGroup.DecayAndNoDecay(model.Parameters(), 1e-2f, 0.01f));
        var batch = new BertBatch(2, 7, [2, 5, 9, 4, 11, 3, 0, 2, 7, 4, 13, 3, 0, 0], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0],
            [1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0]);
        int[] labels = [-100, -100, -100, 6, -100, -100, -100, -100, 8, 6, -100, -100, -100, -100];
        var loss = new float[1];

        adam.ZeroGrad();
        var first = model.Forward(graph, batch, labels, [0, 1]).Loss!;
        backend.Download(first, loss);
        float firstLoss = loss[0];
        graph.Backward(first);
        graph.Reset();
        var gradients = model.Parameters().ToDictionary(p => p.Name, p =>
        {
            var host = new float[p.Grad.Count];
            backend.Download(p.Grad, host);
            return host;
        });
        adam.Step();

        var second = model.Forward(graph, batch, labels, [0, 1]).Loss!;
        backend.Download(second, loss);
        graph.Reset();
        return new TrainingTrace(firstLoss, gradients, loss[0]);
    }

    /// <summary>
    /// Same seed, same data: the backends differ only in the fp32 rounding of their sums (orders differ), ~1e-6
    /// relative per op. Bounds as the PyTorch parity tests: losses within 1e-4 absolute, each gradient within 1e-4 of
    /// its tensor's largest magnitude. The second loss depends on every gradient through AdamW.
    /// </summary>
    internal static void AssertSame(TrainingTrace expected, TrainingTrace actual)
    {
        Assert.True(Math.Abs(expected.FirstLoss - actual.FirstLoss) <= 1e-4, $"first loss: CPU {expected.FirstLoss}, GPU {actual.FirstLoss}");
        foreach (var (name, g) in expected.Gradients)
            Close.RelativeToMax(actual.Gradients[name], g, 1e-4, $"gradient of {name}");
        Assert.True(Math.Abs(expected.SecondLoss - actual.SecondLoss) <= 1e-4, $"loss after AdamW: CPU {expected.SecondLoss}, GPU {actual.SecondLoss}");
        Assert.NotEqual(expected.FirstLoss, expected.SecondLoss);
    }

    [Fact]
    public void Training_step_matches_the_cpu_backend() =>
        AssertSame(Train(new CpuBackend(1)), Train(_gpu, m => _gpu.Adopt(m.Parameters())));
}
