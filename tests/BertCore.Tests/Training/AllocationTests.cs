using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Optim;
using Xunit;

namespace BertCore.Tests.Training;

public class AllocationTests
{
    /// <summary>
    /// A whole pretraining step (ZeroGrad, MLM + NSP forward with dropout and padding, backward, Reset, AdamW)
    /// makes no managed allocation once warmed up: not on the calling thread, not on the CPU backend's workers.
    /// The sizes cross every threading threshold, so GEMMs, attention, LayerNorm and AdamW run on the workers.
    /// </summary>
    [Fact]
    public void A_warm_training_step_allocates_nothing()
    {
        var config = new BertConfig
        {
            VocabSize = 1000, HiddenSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 512,
            MaxPositionEmbeddings = 64, HiddenDropoutProb = 0.1f, AttentionProbsDropoutProb = 0.1f,
        };
        const int batch = 4, seq = 64;
        var backend = new CpuBackend(threads: 2);
        using var model = new BertForPreTraining(config);
        model.Initialize(1);
        using var graph = new Graph(backend) { Training = true, Seed = 1 };
        using var adam = new AdamW(backend, ParameterGroup.DecayAndNoDecay(model.Parameters(), 1e-3f, 0.01f));
        var random = new Random(1);
        var ids = new int[batch * seq];
        var mask = new int[batch * seq];
        var labels = new int[batch * seq];
        for (int i = 0; i < ids.Length; i++)
        {
            bool real = i % seq < seq - 5 * (i / seq);   // rows 1..3 end in padding
            ids[i] = real ? random.Next(5, config.VocabSize) : 0;
            mask[i] = real ? 1 : 0;
            labels[i] = real && random.NextDouble() < 0.15 ? ids[i] : MlmHead.IgnoreIndex;
        }
        var inputs = new BertBatch(batch, seq, ids, attentionMask: mask);
        int[] nsp = [0, 1, 1, 0];
        void Step()
        {
            adam.ZeroGrad();
            graph.Backward(model.Forward(graph, inputs, labels, nsp).Loss!);
            graph.Reset();
            adam.Step();
        }

        for (int i = 0; i < 4; i++) Step();
        long before = GC.GetAllocatedBytesForCurrentThread(), workersBefore = backend.WorkerAllocatedBytes;
        for (int i = 0; i < 3; i++) Step();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(0, backend.WorkerAllocatedBytes - workersBefore);
    }
}
