using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>A lookup table: weight [count, dim]; ids → rows. As torch's nn.Embedding, the row of
/// <see cref="PaddingIndex"/> (if any) gets no gradient and is initialized to zeros.</summary>
public sealed class Embedding : Module
{
    public Embedding(string name, int count, int dim, int paddingIndex = -1) : base(name)
    {
        if (paddingIndex >= count) throw new ArgumentOutOfRangeException(nameof(paddingIndex), $"padding index {paddingIndex} ≥ {count} rows");
        Weight = AddParameter("weight", count, dim);
        PaddingIndex = paddingIndex;
    }

    public Parameter Weight { get; }
    public int PaddingIndex { get; }

    /// <summary>ids I32 [...] → [..., dim].</summary>
    public Tensor Forward(Graph g, Tensor ids) => g.GatherRows(Weight.Value, ids, PaddingIndex);

    public void Initialize(double std, Random random)
    {
        Init.Normal(Weight, std, random);
        if (PaddingIndex >= 0) Weight.Value.Span.Slice(PaddingIndex * Weight.Shape[1], Weight.Shape[1]).Clear();
    }
}
