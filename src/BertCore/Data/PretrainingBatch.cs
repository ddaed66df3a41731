using BertCore.Nn.Bert;

namespace BertCore.Data;

/// <summary>
/// One masked-LM training batch on the host: encoder inputs, MLM labels [B·S] (the original id at masked
/// positions, -100 elsewhere) and, for NSP/SOP objectives, sentence-relation labels [B] (0 = in order / is next,
/// 1 = swapped / random).
/// </summary>
public sealed record PretrainingBatch(BertBatch Inputs, int[] MlmLabels, int[]? RelationLabels);

/// <summary>
/// A deterministic, resumable stream of pretraining batches. <see cref="Position"/> is an opaque state that,
/// given back to <see cref="Seek"/> on a source built from the same data and options, continues the stream
/// exactly where it was (same examples, same masks) — this is what checkpoints store.
/// </summary>
public interface IPretrainingBatchSource
{
    /// <summary>The next batch; the stream is endless (epochs wrap, masks are redrawn every epoch).</summary>
    PretrainingBatch Next();

    /// <summary>Serializable state: everything needed to continue the stream exactly.</summary>
    IReadOnlyDictionary<string, long> Position { get; }

    void Seek(IReadOnlyDictionary<string, long> position);
}
