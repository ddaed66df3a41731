using BertCore.Backends;
using BertCore.Nn;

namespace BertCore.Embeddings;

/// <summary>How <see cref="SentenceEmbedder.Load"/> sets up an embedder; every field may be left at its default.</summary>
public sealed record SentenceEmbedderOptions
{
    /// <summary>The pooling; null: the folder's (<see cref="EmbeddingPooling.Read"/>), else <see cref="PoolingMode.Mean"/>.</summary>
    public PoolingMode? Pooling { get; init; }

    /// <summary>Whether vectors get unit L2 norm; null: the folder's (a Normalize module in modules.json), else false.</summary>
    public bool? Normalize { get; init; }

    /// <summary>Where to run (null: the CPU backend). A GPU backend is not thread-safe: call the embedder from one thread.</summary>
    public IBackend? Backend { get; init; }

    /// <summary>Texts per forward pass.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Longest input in tokens ([CLS] and [SEP] included); longer texts are cut to it and reported through
    /// <see cref="SentenceEmbedder.TextsTruncated"/>. Null: the folder's sentence_bert_config.json max_seq_length when
    /// present (capped at the model's positions), else the model's max_position_embeddings.</summary>
    public int? MaxLength { get; init; }

    /// <summary><see cref="InferencePrecision.Int8"/>: every Linear in int8 (CPU backend only); the vectors then differ
    /// slightly from fp32's, so the precision is part of <see cref="SentenceEmbedder.ModelFingerprint"/>.</summary>
    public InferencePrecision Precision { get; init; } = InferencePrecision.Fp32;
}
