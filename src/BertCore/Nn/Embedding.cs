using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>A lookup table: weight [count, dim]; ids → rows.</summary>
public sealed class Embedding : Module
{
    public Embedding(string name, int count, int dim) : base(name) => Weight = AddParameter("weight", count, dim);

    public Parameter Weight { get; }

    /// <summary>ids I32 [...] → [..., dim].</summary>
    public Tensor Forward(Graph g, Tensor ids) => g.GatherRows(Weight.Value, ids);

    public void Initialize(double std, Random random) => Init.Normal(Weight, std, random);
}
