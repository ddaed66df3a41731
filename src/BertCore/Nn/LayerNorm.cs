using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>LayerNorm over the last dimension with learned weight (γ) and bias (β).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(string name, int features, float eps) : base(name)
    {
        Weight = AddParameter("weight", features);
        Bias = AddParameter("bias", features);
        Eps = eps;
        Initialize();
    }

    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public float Eps { get; }

    /// <summary>x [..., features] → same shape.</summary>
    public Tensor Forward(Graph g, Tensor x) => g.LayerNorm(x, Weight.Value, Bias.Value, Eps);

    /// <summary>LayerNorm(x + residual), fused (<see cref="Graph.AddLayerNorm"/>): x, residual [..., features].</summary>
    public Tensor Forward(Graph g, Tensor x, Tensor residual) => g.AddLayerNorm(x, residual, Weight.Value, Bias.Value, Eps);

    public void Initialize()
    {
        Init.Constant(Weight, 1f);
        Init.Constant(Bias, 0f);
    }
}
