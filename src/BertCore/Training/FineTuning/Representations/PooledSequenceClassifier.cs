using BertCore.Autograd;
using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// A sequence classifier (or regressor, with one label) over another sentence representation than Hugging Face's
/// pooled [CLS]: logits = classifier([dropout(pool(hidden states)); external features]). The encoder has a pooler
/// only for <see cref="PoolingKind.Cls"/>. Parameters: "bert.*", "scalar_mix.*" (scalar-mix only) and
/// "classifier.*" (weight [labels, representation + external features]).
/// </summary>
/// <remarks>
/// The work is split in two so that a frozen encoder's part can be computed once and cached
/// (<see cref="FrozenFeatures"/>): <see cref="Features"/> is everything that depends only on the encoder (for
/// scalar-mix every layer's [CLS], since the mix weights train), <see cref="Head"/> the rest.
/// </remarks>
public sealed class PooledSequenceClassifier : Module
{
    private readonly float _dropout;

    /// <param name="externalFeatures">Width of the external feature vector appended to each representation (0: none).</param>
    public PooledSequenceClassifier(BertConfig config, Pooling pooling, int externalFeatures = 0) : base("")
    {
        pooling.Validate(config.NumHiddenLayers);
        ArgumentOutOfRangeException.ThrowIfNegative(externalFeatures);
        Pooling = pooling;
        ExternalFeatures = externalFeatures;
        Bert = AddModule(new BertEncoder(config, withPooler: pooling.Kind == PoolingKind.Cls));
        Mix = pooling.Kind == PoolingKind.ScalarMix ? AddModule(new ScalarMix("scalar_mix", config.NumHiddenLayers + 1)) : null;
        int width = pooling.RepresentationWidth(config.HiddenSize, config.NumHiddenLayers) + externalFeatures;
        Classifier = AddModule(new Linear("classifier", width, config.NumLabels));
        _dropout = config.ClassifierDropout ?? config.HiddenDropoutProb;
    }

    public Pooling Pooling { get; }
    public int ExternalFeatures { get; }
    public BertEncoder Bert { get; }
    public ScalarMix? Mix { get; }
    public Linear Classifier { get; }
    public BertConfig Config => Bert.Config;
    public bool IsRegression => Config.NumLabels == 1;

    /// <summary>Width of <see cref="Features"/>' rows.</summary>
    public int FeatureWidth => Pooling.FeatureWidth(Config.HiddenSize, Config.NumHiddenLayers);

    /// <summary>The encoder's part: batch [B, S] → features [B, <see cref="FeatureWidth"/>] with the encoder's outputs.</summary>
    public (Tensor Features, BertOutput Encoder) Features(Graph g, BertBatch batch)
    {
        var encoded = Bert.Forward(g, batch);
        var features = Pooling.Kind switch
        {
            PoolingKind.Cls => encoded.PoolerOutput!,
            PoolingKind.Mean => SequencePooling.MaskedMean(g, encoded.LastHiddenState, batch.AttentionMask),
            PoolingKind.Max => SequencePooling.MaskedMax(g, encoded.LastHiddenState, batch.AttentionMask),
            PoolingKind.ConcatLast => SequencePooling.LastLayersCls(g, encoded.HiddenStates, Pooling.Layers),
            _ => SequencePooling.AllLayersCls(g, encoded.HiddenStates),
        };
        return (features, encoded);
    }

    /// <summary>
    /// The encoder's part for inference on packed sequences (<see cref="BertEncoder.ForwardPacked"/>): batch of N sequences
    /// → features [N, <see cref="FeatureWidth"/>], equal to <see cref="Features"/> on the same sequences padded (within
    /// rounding) and each sequence's the same bits whatever else is in the batch. Mean and max pool each sequence's own
    /// rows on the host (<see cref="SequencePooling.PackedPool"/>); the [CLS] poolings read each sequence's first row.
    /// </summary>
    public Tensor FeaturesPacked(Graph g, PackedBatch batch)
    {
        var encoded = Bert.ForwardPacked(g, batch);
        return Pooling.Kind switch
        {
            PoolingKind.Cls => encoded.PoolerOutput!,
            PoolingKind.Mean => SequencePooling.PackedPool(g, encoded.LastHiddenState, batch, PoolingMode.Mean),
            PoolingKind.Max => SequencePooling.PackedPool(g, encoded.LastHiddenState, batch, PoolingMode.Max),
            PoolingKind.ConcatLast => SequencePooling.LastLayersCls(g, encoded.HiddenStates, Pooling.Layers, batch),
            _ => SequencePooling.AllLayersCls(g, encoded.HiddenStates, batch),
        };
    }

    /// <summary>
    /// The head's part: features [B, <see cref="FeatureWidth"/>] (scalar-mixed when the pooling says so) →
    /// dropout → appended external features [B·E] (required when <see cref="ExternalFeatures"/> is E &gt; 0) →
    /// logits [B, labels]; the loss as <see cref="BertForSequenceClassification.Loss"/>.
    /// </summary>
    public (Tensor Logits, Tensor? Loss) Head(Graph g, Tensor features, float[]? external, int[]? labels, float[]? targets)
    {
        int b = features.Shape[0];
        var representation = g.Dropout(Mix?.Forward(g, features) ?? features, _dropout);
        if (ExternalFeatures > 0)
        {
            if (external == null || external.Length != b * ExternalFeatures)
                throw new ArgumentException($"the model takes {ExternalFeatures} external features per example; the batch has {(external == null ? "none" : $"{external.Length} values for {b} rows")}");
            representation = g.Concat([representation, g.Input(external, b, ExternalFeatures)]);
        }
        var logits = Classifier.Forward(g, representation);
        return (logits, BertForSequenceClassification.Loss(g, logits, IsRegression, labels, targets));
    }

    /// <summary>Hugging Face initialization of the encoder and classifier from the seed (as
    /// <see cref="BertForSequenceClassification.Initialize"/>); the scalar mix starts at equal weights, γ = 1.</summary>
    public void Initialize(int seed)
    {
        Bert.Initialize(seed);
        Classifier.Initialize(Config.InitializerRange, new Random(seed + 1));
        Mix?.Initialize();
    }
}
