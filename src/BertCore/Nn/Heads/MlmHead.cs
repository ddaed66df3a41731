using BertCore.Autograd;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>
/// Masked-LM head (prefix "cls.predictions"): dense → GELU → LayerNorm → decoder whose weight is tied to the word
/// embeddings [V, H], plus its own bias [V].
/// </summary>
public sealed class MlmHead : Module
{
    public MlmHead(BertConfig config, Autograd.Parameter wordEmbeddings, string name = "cls.predictions") : base(name)
    {
        Transform = AddModule(new Linear(Join(name, "transform.dense"), config.HiddenSize, config.HiddenSize));
        Norm = AddModule(new LayerNorm(Join(name, "transform.LayerNorm"), config.HiddenSize, (float)config.LayerNormEps));
        Bias = AddParameter("bias", config.VocabSize);
        DecoderWeight = wordEmbeddings;
    }

    public Linear Transform { get; }
    public LayerNorm Norm { get; }
    public Autograd.Parameter Bias { get; }

    /// <summary>The word-embedding matrix [V, H], shared with the encoder (not listed as this head's parameter).</summary>
    public Autograd.Parameter DecoderWeight { get; }

    /// <summary>h [..., H] → logits [..., V].</summary>
    public Tensor Forward(Graph g, Tensor h) =>
        g.Linear(Norm.Forward(g, Transform.Forward(g, h, gelu: true)), DecoderWeight.Value, Bias.Value);

    /// <summary>
    /// Mean cross-entropy over the positions whose label is not -100, computing logits only at those rows
    /// (gathering them before the vocabulary projection). h [B, S, H]; labels [B·S] on the host.
    /// </summary>
    public Tensor Loss(Graph g, Tensor h, ReadOnlySpan<int> labels)
    {
        int rows = checked((int)h.Shape.Rows), width = h.Shape.Last;
        if (labels.Length != rows) throw new ArgumentException($"{labels.Length} MLM labels for {rows} positions");
        int masked = 0;
        foreach (var l in labels) if (l != IgnoreIndex) masked++;
        var flat = g.Reshape(h, rows, width);
        if (masked == 0) return g.CrossEntropy(Forward(g, flat), g.Input(labels, rows), IgnoreIndex);
        var scratch = g.HostScratch(2 * masked);
        Span<int> positions = scratch[..masked], targets = scratch[masked..];
        for (int i = 0, k = 0; i < rows; i++)
        {
            if (labels[i] == IgnoreIndex) continue;
            positions[k] = i;
            targets[k++] = labels[i];
        }
        var picked = g.GatherRows(flat, g.Input(positions, masked));
        var targetIds = g.Input(targets, masked);
        return g.CrossEntropy(Forward(g, picked), targetIds, IgnoreIndex);
    }

    public const int IgnoreIndex = -100;

    public void Initialize(double std, Random random)
    {
        Transform.Initialize(std, random);
        Norm.Initialize();
        Init.Constant(Bias, 0f);
    }
}
