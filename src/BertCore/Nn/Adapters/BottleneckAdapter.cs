using BertCore.Autograd;
using BertCore.Tensors;

namespace BertCore.Nn.Adapters;

/// <summary>
/// A Houlsby bottleneck adapter (Houlsby et al. 2019): y = x + up(gelu(down(x))), down [size, H] and up [H, size]
/// (parameters NAME.down.* and NAME.up.*). The up-projection starts at exactly zero, so a freshly added adapter
/// is the identity and the model computes what the base model computes; only the up-projection gets a gradient
/// on the first step, then both train.
/// </summary>
public sealed class BottleneckAdapter : Module
{
    public BottleneckAdapter(string name, int hiddenSize, int size) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Down = AddModule(new Linear(Join(name, "down"), hiddenSize, size));
        Up = AddModule(new Linear(Join(name, "up"), size, hiddenSize));
    }

    public Linear Down { get; }
    public Linear Up { get; }
    public int Size => Down.OutFeatures;

    /// <summary>x [..., H] → [..., H].</summary>
    public Tensor Forward(Graph g, Tensor x) => g.Add(x, Up.Forward(g, Down.Forward(g, x, gelu: true)));

    /// <summary>down: normal(0, std) weights, zero bias; up: all zeros (the identity at the start).</summary>
    public void Initialize(double std, Random random)
    {
        Down.Initialize(std, random);
        Init.Constant(Up.Weight, 0f);
        Init.Constant(Up.Bias!, 0f);
    }
}
