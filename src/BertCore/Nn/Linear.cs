using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>y = x·Wᵀ + b with W [out, in] (Hugging Face layout), optionally followed by exact GELU.</summary>
public sealed class Linear : Module
{
    public Linear(string name, int inFeatures, int outFeatures, bool bias = true) : base(name)
    {
        Weight = AddParameter("weight", outFeatures, inFeatures);
        Bias = bias ? AddParameter("bias", outFeatures) : null;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures => Weight.Shape[1];
    public int OutFeatures => Weight.Shape[0];

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Graph g, Tensor x, bool gelu = false) => g.Linear(x, Weight.Value, Bias?.Value, gelu);

    public void Initialize(double std, Random random)
    {
        Init.Normal(Weight, std, random);
        if (Bias != null) Init.Constant(Bias, 0f);
    }
}
