using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tests.Gpu;
using Xunit;

namespace BertCore.Tests.Model;

/// <summary>A model whose weights were moved to the GPU backend (ILGPU's CPU accelerator here) is frozen with its
/// query, key and value products apart: the GPU's attention reads separate q, k, v (<see cref="Backends.IBackend.AttentionQkv"/>
/// refuses there), and the stack is built from host weights only.</summary>
[Collection(SimulatorCollection.Name)]
public class StackedAttentionInputsGpuTests(SimulatorFixture simulator)
{
    [Fact]
    public void Gpu_resident_weights_are_frozen_without_stacking()
    {
        using var encoder = new BertEncoder(new BertConfig
        {
            VocabSize = 20, HiddenSize = 8, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 16, MaxPositionEmbeddings = 8,
        });
        encoder.Initialize(1);
        simulator.Backend.Adopt(encoder.Parameters());
        encoder.FreezeForInference();
        Assert.All(encoder.Layers, layer => Assert.False(layer.StacksAttentionInputs));
    }
}
