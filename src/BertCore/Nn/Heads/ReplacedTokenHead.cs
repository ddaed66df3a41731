using BertCore.Autograd;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>
/// ELECTRA's discriminator head (Hugging Face ElectraDiscriminatorPredictions, prefix "discriminator_predictions"):
/// dense H→H, GELU, dense_prediction H→1; the logit that a token was replaced.
/// </summary>
public sealed class ReplacedTokenHead : Module
{
    public ReplacedTokenHead(BertConfig config, string name = "discriminator_predictions") : base(name)
    {
        Dense = AddModule(new Linear(Join(name, "dense"), config.HiddenSize, config.HiddenSize));
        Prediction = AddModule(new Linear(Join(name, "dense_prediction"), config.HiddenSize, 1));
    }

    public Linear Dense { get; }
    public Linear Prediction { get; }

    /// <summary>h [N, H] → logits [N, 1].</summary>
    public Tensor Forward(Graph g, Tensor h) => Prediction.Forward(g, Dense.Forward(g, h, gelu: true));

    public void Initialize(double std, Random random)
    {
        Dense.Initialize(std, random);
        Prediction.Initialize(std, random);
    }
}
