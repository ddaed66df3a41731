using System.Globalization;
using BertCore.Autograd;
using BertCore.Optim;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>
/// Layer-wise learning-rate decay (discriminative fine-tuning, Howard &amp; Ruder 2018; Sun et al. 2019): the
/// task head and the pooler train at the peak rate, encoder layer i (1..L, counted from the bottom) at
/// rate·F^(L−i), the embeddings at rate·F^L. Each depth gets a decay and a no-decay group (the usual BERT split).
/// </summary>
public static class LayerwiseLrDecay
{
    private const string LayerPrefix = "bert.encoder.layer.";
    private const string EmbeddingsPrefix = "bert.embeddings.";

    /// <summary>
    /// The depth of a parameter in a model of <paramref name="layers"/> encoder layers: 0 for the embeddings, i
    /// for encoder layer i (1..L: "bert.encoder.layer.{i−1}.*"), L + 1 for everything else (pooler, task head).
    /// </summary>
    public static int Depth(string name, int layers)
    {
        if (name.StartsWith(EmbeddingsPrefix, StringComparison.Ordinal)) return 0;
        if (!name.StartsWith(LayerPrefix, StringComparison.Ordinal)) return layers + 1;
        int end = name.IndexOf('.', LayerPrefix.Length);
        return int.Parse(name.AsSpan(LayerPrefix.Length, end - LayerPrefix.Length), CultureInfo.InvariantCulture) + 1;
    }

    /// <summary>The learning rate of depth <paramref name="depth"/>: lr·decay^max(0, layers − depth).</summary>
    public static float Rate(float lr, float decay, int depth, int layers) => (float)(lr * Math.Pow(decay, Math.Max(0, layers - depth)));

    /// <summary>Per-depth parameter groups (empty ones left out), named "embeddings", "layer.i" (1..L) or "top"
    /// with a ".decay" / ".no_decay" suffix.</summary>
    public static IReadOnlyList<ParameterGroup> Groups(IEnumerable<Parameter> parameters, int layers, float lr, float weightDecay, float decay)
    {
        var groups = new List<ParameterGroup>();
        foreach (var byDepth in parameters.GroupBy(p => Depth(p.Name, layers)).OrderBy(g => g.Key))
        {
            int depth = byDepth.Key;
            string label = depth == 0 ? "embeddings" : depth > layers ? "top" : $"layer.{depth}";
            float rate = Rate(lr, decay, depth, layers);
            foreach (var group in ParameterGroup.DecayAndNoDecay(byDepth, rate, weightDecay))
                if (group.Parameters.Count > 0)
                    groups.Add(new ParameterGroup($"{label}.{group.Name}", group.Parameters, group.Lr, group.WeightDecay));
        }
        return groups;
    }
}
