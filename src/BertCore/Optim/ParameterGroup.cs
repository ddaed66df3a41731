using BertCore.Autograd;

namespace BertCore.Optim;

/// <summary>Parameters that share a learning rate and weight decay, as a torch optimizer param group.</summary>
public sealed class ParameterGroup
{
    public ParameterGroup(string name, IEnumerable<Parameter> parameters, float lr, float weightDecay)
    {
        Name = name;
        Parameters = parameters.ToArray();
        Lr = lr;
        WeightDecay = weightDecay;
    }

    public string Name { get; }
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Base learning rate; the schedule's factor multiplies it at each step.</summary>
    public float Lr { get; set; }
    public float WeightDecay { get; set; }

    /// <summary>
    /// The usual BERT split: weight decay on matrices and embeddings, none on biases and LayerNorm weights
    /// (names containing "bias", "LayerNorm" or the old "gamma"/"beta").
    /// </summary>
    public static IReadOnlyList<ParameterGroup> DecayAndNoDecay(IEnumerable<Parameter> parameters, float lr, float weightDecay)
    {
        var all = parameters.ToArray();
        return
        [
            new ParameterGroup("decay", all.Where(p => !IsExemptFromDecay(p.Name)), lr, weightDecay),
            new ParameterGroup("no_decay", all.Where(p => IsExemptFromDecay(p.Name)), lr, 0f),
        ];
    }

    public static bool IsExemptFromDecay(string name) =>
        name.Contains("bias", StringComparison.Ordinal) || name.Contains("LayerNorm", StringComparison.Ordinal)
        || name.EndsWith(".gamma", StringComparison.Ordinal) || name.EndsWith(".beta", StringComparison.Ordinal);
}
