using BertCore.Autograd;
using BertCore.Optim;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.Optim;

public class ParameterGroupTests
{
    [Fact]
    public void Biases_and_layer_norm_weights_are_exempt_from_decay_by_default()
    {
        string[] names =
        [
            "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query.bias",
            "bert.embeddings.LayerNorm.weight", "bert.embeddings.word_embeddings.weight", "cls.predictions.bias",
            "old.LayerNorm.gamma",
        ];
        var ps = names.Select(n => new Parameter(n, Tensor.Zeros(2))).ToArray();
        var groups = ParameterGroup.DecayAndNoDecay(ps, 1e-3f, 0.01f);
        Assert.Equal(["bert.encoder.layer.0.attention.self.query.weight", "bert.embeddings.word_embeddings.weight"],
            groups[0].Parameters.Select(p => p.Name));
        Assert.Equal(0.01f, groups[0].WeightDecay);
        Assert.Equal(4, groups[1].Parameters.Count);
        Assert.Equal(0f, groups[1].WeightDecay);
    }
}
