using BertCore.Nn.Bert;
using BertCore.Text;

namespace BertCore.Data.Tasks;

/// <summary>
/// One fine-tuning batch on the host: encoder inputs padded to the batch's longest row, the features it holds,
/// and the targets the task's head takes (the others are null).
/// </summary>
/// <param name="Inputs">[B, S] ids, segment ids and attention mask; S is the longest row of the batch.</param>
/// <param name="Features">[B] index of each row's feature.</param>
/// <param name="Labels">Classification: [B] class ids. Token classification: [B·S] label ids, -100 on ignored and padded tokens. Null when a row is unlabeled.</param>
/// <param name="Targets">Regression: [B] target values; null when a row is unlabeled.</param>
/// <param name="StartPositions">QA: [B] answer start token (0 = [CLS] when the answer is not in the window).</param>
/// <param name="EndPositions">QA: [B] answer end token.</param>
public sealed record TaskBatch(BertBatch Inputs, int[] Features, int[]? Labels, float[]? Targets, int[]? StartPositions, int[]? EndPositions)
{
    /// <summary>Sequence tasks with external features: [B·E] each row's feature vector; null when the data has none.</summary>
    public float[]? External { get; init; }
}

/// <summary>Builds <see cref="TaskBatch"/>es from features and the indices a <see cref="LengthBucketSampler"/> chose.</summary>
public static class TaskBatches
{
    /// <summary>A classification batch: <see cref="TaskBatch.Labels"/> [B] when every row has a label.</summary>
    public static TaskBatch Classification(IReadOnlyList<SequenceFeature> features, int[] rows, int padId)
    {
        int[] labels = rows.Select(r => features[r].Label).ToArray();
        return new TaskBatch(Inputs(rows.Select(r => features[r].Encoding), padId), rows,
            labels.All(l => l >= 0) ? labels : null, null, null, null);
    }

    /// <summary>A regression batch: <see cref="TaskBatch.Targets"/> [B] when every row has a target.</summary>
    public static TaskBatch Regression(IReadOnlyList<SequenceFeature> features, int[] rows, int padId)
    {
        float[] targets = rows.Select(r => features[r].Value).ToArray();
        return new TaskBatch(Inputs(rows.Select(r => features[r].Encoding), padId), rows,
            null, targets.All(float.IsFinite) ? targets : null, null, null);
    }

    /// <summary>A token-classification batch: <see cref="TaskBatch.Labels"/> [B·S], -100 on padding; null when no row is labeled.</summary>
    public static TaskBatch Tokens(IReadOnlyList<TokenFeature> features, int[] rows, int padId)
    {
        BertBatch inputs = Inputs(rows.Select(r => features[r].Encoding), padId);
        int s = inputs.SequenceLength;
        var labels = new int[rows.Length * s];
        Array.Fill(labels, TokenFeatures.IgnoreIndex);
        for (int b = 0; b < rows.Length; b++)
            features[rows[b]].Labels.CopyTo(labels, b * s);
        bool labeled = labels.Any(l => l != TokenFeatures.IgnoreIndex);
        return new TaskBatch(inputs, rows, labeled ? labels : null, null, null, null);
    }

    /// <summary>A QA batch with the answer positions of each window.</summary>
    public static TaskBatch Qa(IReadOnlyList<QaFeature> features, int[] rows, int padId) =>
        new(Inputs(rows.Select(r => features[r].Encoding), padId), rows, null, null,
            rows.Select(r => features[r].StartPosition).ToArray(), rows.Select(r => features[r].EndPosition).ToArray());

    /// <summary>
    /// A bi-encoder batch: the k sentences of each feature (pair or triplet) as k consecutive rows, [B·k, S] inputs,
    /// each sentence encoded on its own. <see cref="TaskBatch.Targets"/> [B] are the scores of scored pairs;
    /// <see cref="TaskBatch.Labels"/> [B] of pairs without scores are 0 … B − 1, the candidate that is each anchor's
    /// positive (the in-batch classes of the multiple-negatives ranking loss).
    /// </summary>
    /// <param name="features">Per feature its k encodings (anchor, positive[, negative]); k is the same for all.</param>
    /// <param name="scores">Per feature its score, or null for pairs without scores.</param>
    public static TaskBatch Sentences(IReadOnlyList<Encoding[]> features, IReadOnlyList<float>? scores, int[] rows, int padId) =>
        new(Inputs(rows.SelectMany(r => features[r]), padId), rows, scores == null ? Enumerable.Range(0, rows.Length).ToArray() : null,
            scores == null ? null : rows.Select(r => scores[r]).ToArray(), null, null);

    /// <summary>Pads the rows to the longest one (right padding with <paramref name="padId"/>, mask 0).</summary>
    private static BertBatch Inputs(IEnumerable<Encoding> rows, int padId)
    {
        var padded = new EncodedBatch(rows.ToArray(), Padding.Longest, int.MaxValue, padId);
        if (padded.Batch == 0)
            throw new ArgumentException("A batch needs at least one row.");
        return new BertBatch(padded.Batch, padded.SequenceLength, padded.InputIds, padded.TokenTypeIds, padded.AttentionMask);
    }
}
