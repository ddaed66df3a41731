using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// A whole training step on the GPU backend: a tiny BERT (MLM + NSP, padding, dropout on) trained a few AdamW steps on
/// the simulator gives the CPU backend's losses. Every op of the step runs through the kernels; the host reads back
/// only the loss.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuTrainingTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    /// <summary>
    /// The losses of <paramref name="steps"/> seeded steps. Same seed, same data: the two backends differ only in the
    /// fp32 rounding of their sums (orders differ), ~1e-6 relative per op; after two steps of a loss near 4 the
    /// drift stays far below the 1e-4 bound. The second loss depends on every gradient of the first step through AdamW.
    /// </summary>
    internal static float[] Train(IBackend backend, int steps, Action<BertForPreTraining>? place = null)
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
        const int batch = 2, seq = 7;
        int[] ids = [2, 5, 9, 4, 11, 3, 0, 2, 7, 4, 13, 3, 0, 0];
        int[] types = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0];
        int[] mask = [1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0];
        int[] labels = [-100, -100, -100, 6, -100, -100, -100, -100, 8, 6, -100, -100, -100, -100];
        var losses = new float[steps];
        Span<float> loss = stackalloc float[1];
        for (int step = 0; step < steps; step++)
        {
            adam.ZeroGrad();
            var l = model.Forward(graph, new BertBatch(batch, seq, ids, types, mask), labels, [step % 2, 1 - step % 2]).Loss!;
            backend.Download(l, loss);
            losses[step] = loss[0];
            graph.Backward(l);
            graph.Reset();
            adam.Step();
        }
        return losses;
    }

    [Fact]
    public void Training_steps_match_the_cpu_backend()
    {
        // Two steps: the simulator runs each launch's threads as OS threads, ~5 s a step on a shared 2-core machine.
        var cpu = Train(new CpuBackend(1), 2);
        var gpu = Train(_gpu, 2, m => _gpu.MoveToDevice(m.Parameters()));
        Assert.NotEqual(cpu[0], cpu[1]);
        for (int i = 0; i < cpu.Length; i++)
            Assert.True(Math.Abs(cpu[i] - gpu[i]) <= 1e-4, $"step {i}: CPU loss {cpu[i]}, GPU loss {gpu[i]}");
    }
}
