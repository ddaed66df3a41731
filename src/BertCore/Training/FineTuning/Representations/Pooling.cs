using System.Globalization;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>How a sequence task turns the encoder's hidden states into one sentence vector.</summary>
public enum PoolingKind
{
    /// <summary>The pooler on [CLS] of the last layer, tanh(dense(h_L[:, 0])) (Hugging Face's head).</summary>
    Cls,
    /// <summary>Mean of the last layer over the non-padding tokens ([CLS] and [SEP] included).</summary>
    Mean,
    /// <summary>Per-dimension maximum of the last layer over the non-padding tokens.</summary>
    Max,
    /// <summary>The [CLS] vectors of the last k hidden states, last layer first, concatenated (k·hidden wide).</summary>
    ConcatLast,
    /// <summary>ELMo's learned scalar mix γ Σ_j softmax(w)_j h_j over every hidden state (embeddings included), at [CLS].</summary>
    ScalarMix,
}

/// <summary>
/// A sentence representation for classify / pair / regress, as written on the command line and in
/// bertcore_task.json: <c>cls</c>, <c>mean</c>, <c>max</c>, <c>concat-last-K</c> or <c>scalar-mix</c>.
/// </summary>
/// <param name="Kind">The representation.</param>
/// <param name="Layers">concat-last-K: K, the number of hidden states concatenated (1 ≤ K ≤ layers + 1, the
/// embeddings output counting as the first hidden state); 0 for the other kinds.</param>
public sealed record Pooling(PoolingKind Kind, int Layers = 0)
{
    public static readonly Pooling Cls = new(PoolingKind.Cls);

    /// <summary>Parses the command-line / JSON name.</summary>
    /// <exception cref="ArgumentException">An unknown name or a K below 1.</exception>
    public static Pooling Parse(string name)
    {
        const string concat = "concat-last-";
        switch (name)
        {
            case "cls": return Cls;
            case "mean": return new(PoolingKind.Mean);
            case "max": return new(PoolingKind.Max);
            case "scalar-mix": return new(PoolingKind.ScalarMix);
        }
        if (name.StartsWith(concat, StringComparison.Ordinal)
            && int.TryParse(name.AsSpan(concat.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k >= 1)
            return new(PoolingKind.ConcatLast, k);
        throw new ArgumentException($"unknown pooling '{name}': use cls, mean, max, concat-last-K (K ≥ 1) or scalar-mix");
    }

    /// <summary>The name <see cref="Parse"/> reads.</summary>
    public override string ToString() => Kind switch
    {
        PoolingKind.Cls => "cls",
        PoolingKind.Mean => "mean",
        PoolingKind.Max => "max",
        PoolingKind.ConcatLast => "concat-last-" + Layers.ToString(CultureInfo.InvariantCulture),
        _ => "scalar-mix",
    };

    /// <summary>Hidden states the representation reads: the last K for concat-last-K, all L + 1 for scalar-mix, else 1.</summary>
    public int HiddenStatesUsed(int numLayers) => Kind switch
    {
        PoolingKind.ConcatLast => Layers,
        PoolingKind.ScalarMix => numLayers + 1,
        _ => 1,
    };

    /// <summary>Width of the encoder's features for this pooling: K·H for concat-last-K, (L + 1)·H for
    /// scalar-mix (every layer's [CLS], mixed by the head), H otherwise.</summary>
    public int FeatureWidth(int hiddenSize, int numLayers) => hiddenSize * (Kind is PoolingKind.ConcatLast or PoolingKind.ScalarMix ? HiddenStatesUsed(numLayers) : 1);

    /// <summary>Width of the sentence vector the classifier reads (before external features).</summary>
    public int RepresentationWidth(int hiddenSize, int numLayers) => Kind == PoolingKind.ScalarMix ? hiddenSize : FeatureWidth(hiddenSize, numLayers);

    /// <exception cref="ArgumentException">concat-last-K with K above the L + 1 hidden states.</exception>
    public void Validate(int numLayers)
    {
        if (Kind == PoolingKind.ConcatLast && (Layers < 1 || Layers > numLayers + 1))
            throw new ArgumentException($"{this}: the model has {numLayers + 1} hidden states (embeddings and {numLayers} layers); K must be 1 to {numLayers + 1}");
    }
}
