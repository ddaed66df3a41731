using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.Embeddings;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Training.FineTuning.Similarity;

/// <summary>
/// A bi-encoder (Siamese network, sentence-transformers' SentenceTransformer of a Transformer and a Pooling module):
/// every sentence of a batch goes through the same encoder on its own, its last hidden state is pooled
/// (<see cref="TaskSpec.Embedding"/>: masked mean, masked max, or the raw [CLS] state) into one vector, and the loss
/// (<see cref="TaskSpec.Loss"/>, <see cref="HostSimilarityLosses"/>) compares the vectors. The model is the encoder
/// alone ("bert.*", a Hugging Face BertModel); its pooler is kept as loaded but frozen, since no loss reaches it.
/// </summary>
public sealed class SimilarityNetwork : TaskNetwork
{
    /// <param name="spec">A similarity spec with its pooling.</param>
    /// <param name="encoder">The encoder, with a pooler (frozen here) so that a saved folder is a complete BertModel.</param>
    /// <exception cref="ArgumentException">The spec is not a similarity spec with a pooling.</exception>
    public SimilarityNetwork(TaskSpec spec, BertEncoder encoder) : base(spec, encoder, encoder)
    {
        if (spec.Task != TaskKind.Similarity || spec.Embedding == null) throw new ArgumentException("a bi-encoder needs a similarity spec with a pooling", nameof(spec));
        foreach (var p in encoder.Pooler?.Parameters() ?? []) p.Trainable = false;
    }

    public override IReadOnlyList<Module> Head { get; } = [];

    /// <summary>
    /// Encodes and pools every sentence of <paramref name="batch"/> (<see cref="TaskBatches.Sentences"/>: B features
    /// of k sentences as B·k rows). The loss is computed from the batch's targets: with scores the spec's loss
    /// (cosine on score / <see cref="TaskSpec.MaxScore"/>, or CoSENT), with in-batch labels multiple-negatives ranking.
    /// </summary>
    /// <returns>Logits [B, k·H]: each feature's k sentence vectors side by side; the loss [1] with targets.</returns>
    public override TaskOutput Forward(Graph g, TaskBatch batch)
    {
        var encoded = Encoder.Forward(g, batch.Inputs);
        var vectors = Pool(g, encoded.LastHiddenState, batch.Inputs.AttentionMask, Spec.Embedding!.Mode);
        int features = batch.Features.Length, columns = batch.Inputs.Batch / features;
        Tensor? loss = null;
        if (batch.Targets is { } scores)
            loss = Spec.Loss == SimilarityLoss.CoSent
                ? g.CoSentLoss(vectors, columns, scores)
                : g.CosineLoss(vectors, columns, scores.Select(s => s / Spec.MaxScore).ToArray());
        else if (batch.Labels != null)
            loss = g.MultipleNegativesRankingLoss(vectors, columns);
        return new TaskOutput { Encoder = encoded, Logits = g.Reshape(vectors, features, columns * Config.HiddenSize), Loss = loss };
    }

    /// <summary>Sentence vectors [N, H] from the last hidden state h [N, S, H] and its mask [N·S].</summary>
    public static Tensor Pool(Graph g, Tensor h, ReadOnlySpan<int> mask, PoolingMode mode) => mode switch
    {
        PoolingMode.Mean => SequencePooling.MaskedMean(g, h, mask),
        PoolingMode.Max => SequencePooling.MaskedMax(g, h, mask),
        _ => BertEncoder.FirstTokens(g, h),
    };

    public override void Initialize(int seed) => Encoder.Initialize(seed);
}
