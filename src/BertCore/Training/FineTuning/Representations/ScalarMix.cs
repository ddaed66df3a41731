using BertCore.Autograd;
using BertCore.Nn;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// ELMo's scalar mix (Peters et al. 2018): mix = γ Σ_j s_j x_j with s = softmax(w) over n inputs, w and γ learned
/// (parameters "scalar_mix.weights" [n], initialized to 0 so every input starts at weight 1/n, and
/// "scalar_mix.scale" [1], initialized to 1; not "gamma", which checkpoint loading reads as an old LayerNorm name).
/// </summary>
public sealed class ScalarMix : Module
{
    public ScalarMix(string name, int inputs) : base(name)
    {
        if (inputs < 1) throw new ArgumentOutOfRangeException(nameof(inputs), "a scalar mix needs at least one input");
        Inputs = inputs;
        Weights = AddParameter("weights", inputs);
        Gamma = AddParameter("scale", 1);
    }

    public int Inputs { get; }

    /// <summary>w [n]: the mixing logits.</summary>
    public Parameter Weights { get; }

    /// <summary>γ [1]: the scale.</summary>
    public Parameter Gamma { get; }

    /// <summary>x [B, n·H] (the n inputs of each row side by side) → [B, H], with this module's parameters.</summary>
    public Tensor Forward(Graph g, Tensor x) => Mix(g, x, Weights.Value, Gamma.Value);

    /// <summary>
    /// γ Σ_j softmax(w)_j x_j: x [B, n·H], w [n], γ [1] → [B, H]. Computed as γ·softmax(w) [1, n], broadcast to
    /// [B, 1, n] by gathering row 0 B times, times x viewed [B, n, H].
    /// </summary>
    public static Tensor Mix(Graph g, Tensor x, Tensor weights, Tensor gamma)
    {
        int n = checked((int)weights.Count), b = x.Shape[0], width = x.Shape.Last / n;
        if (x.Shape.Rank != 2 || width * n != x.Shape[1] || gamma.Count != 1)
            throw new ArgumentException($"ScalarMix: input {x.Shape} is not [B, {n}·H], or γ {gamma.Shape} is not one value");
        var s = g.Softmax(g.Reshape(weights, 1, n));
        var scaled = g.MatMul(g.Reshape(gamma, 1, 1), s);                        // [1, n]
        var rows = g.HostScratch(b);
        rows.Clear();
        var perRow = g.GatherRows(scaled, g.Input(rows, b));                     // [B, n]
        var mix = g.MatMul(g.Reshape(perRow, b, 1, n), g.Reshape(x, b, n, width));
        return g.Reshape(mix, b, width);
    }

    /// <summary>w = 0 (equal weights), γ = 1.</summary>
    public void Initialize()
    {
        Weights.Value.Span.Clear();
        Gamma.Value.Span[0] = 1f;
    }
}
