using System.Buffers;
using BertCore.Autograd;
using BertCore.Embeddings;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// Sentence vectors from hidden states, composed of recorded ops (so gradients flow back into the encoder):
/// masked mean and max over the tokens, and the [CLS] vectors of several layers side by side.
/// </summary>
public static class SequencePooling
{
    /// <summary>
    /// Mean over the non-padding tokens: h [B, S, H], mask [B·S] (1 token, 0 padding) → [B, H]. Computed as the
    /// batched product (mask_b / Σ mask_b) [B, 1, S] · h [B, S, H].
    /// </summary>
    public static Tensor MaskedMean(Graph g, Tensor h, ReadOnlySpan<int> mask)
    {
        int b = h.Shape[0], s = h.Shape[1], width = h.Shape[2];
        RequireMask(mask, b, s);
        var weights = new float[b * s];
        for (int row = 0; row < b; row++)
        {
            int count = 0;
            for (int t = 0; t < s; t++) count += mask[row * s + t] != 0 ? 1 : 0;
            for (int t = 0; t < s; t++) weights[row * s + t] = mask[row * s + t] != 0 ? 1f / count : 0f;
        }
        var mean = g.MatMul(g.Input(weights, b, 1, s), h);
        return g.Reshape(mean, b, width);
    }

    /// <summary>
    /// Per-dimension maximum over the non-padding tokens: h [B, S, H], mask [B·S] → [B, H]. The arg-max (the first
    /// token on ties) is found on the host and the values gathered, so the gradient goes to the arg-max token only
    /// (as torch.max along a dimension).
    /// </summary>
    public static Tensor MaskedMax(Graph g, Tensor h, ReadOnlySpan<int> mask)
    {
        int b = h.Shape[0], s = h.Shape[1], width = h.Shape[2];
        RequireMask(mask, b, s);
        int n = b * s * width;
        var host = ArrayPool<float>.Shared.Rent(n);
        try
        {
            g.Backend.Download(h, host.AsSpan(0, n));
            var index = g.HostScratch(b * width);
            for (int row = 0; row < b; row++)
                for (int d = 0; d < width; d++)
                {
                    int best = -1;
                    for (int t = 0; t < s; t++)
                    {
                        if (mask[row * s + t] == 0) continue;
                        int at = (row * s + t) * width + d;
                        if (best < 0 || host[at] > host[best]) best = at;
                    }
                    index[row * width + d] = best;
                }
            var values = g.GatherRows(g.Reshape(h, n, 1), g.Input(index, b * width));
            return g.Reshape(values, b, width);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(host);
        }
    }

    /// <summary>
    /// Mean or max of each sequence of a packed batch over its own rows, for inference (not recorded): h [T, H] → [N, H].
    /// The rows are pooled on the host by <see cref="TokenPooling"/> (the mean summed in double), so a sequence's vector
    /// does not depend on the other sequences of the batch.
    /// </summary>
    public static Tensor PackedPool(Graph g, Tensor h, PackedBatch batch, PoolingMode mode)
    {
        int width = h.Shape.Last, n = batch.Count;
        var host = ArrayPool<float>.Shared.Rent(checked((int)h.Count));
        try
        {
            g.Backend.Download(h, host.AsSpan(0, (int)h.Count));
            var pooled = new float[n * width];
            for (int row = 0; row < n; row++)
                TokenPooling.Pool(mode, host.AsSpan(batch.Offsets[row] * width, batch.Length(row) * width), pooled.AsSpan(row * width, width));
            return g.Input(pooled, n, width);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(host);
        }
    }

    /// <summary>
    /// The [CLS] vectors of the last <paramref name="count"/> hidden states, last first, side by side:
    /// hiddenStates L + 1 tensors [B, S, H] → [B, count·H]; with <paramref name="packed"/>, tensors [T, H] of that
    /// packed batch → [N, count·H].
    /// </summary>
    public static Tensor LastLayersCls(Graph g, IReadOnlyList<Tensor> hiddenStates, int count, PackedBatch? packed = null)
    {
        var parts = new Tensor[count];
        for (int i = 0; i < count; i++) parts[i] = FirstTokens(g, hiddenStates[hiddenStates.Count - 1 - i], packed);
        return g.Concat(parts);
    }

    /// <summary>The [CLS] vectors of every hidden state in layer order (embeddings first): [B, (L + 1)·H] (or [N, (L + 1)·H]
    /// from the [T, H] hidden states of <paramref name="packed"/>).</summary>
    public static Tensor AllLayersCls(Graph g, IReadOnlyList<Tensor> hiddenStates, PackedBatch? packed = null)
    {
        var parts = new Tensor[hiddenStates.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = FirstTokens(g, hiddenStates[i], packed);
        return g.Concat(parts);
    }

    private static Tensor FirstTokens(Graph g, Tensor h, PackedBatch? packed) =>
        packed == null ? BertEncoder.FirstTokens(g, h) : BertEncoder.FirstTokens(g, h, packed);

    private static void RequireMask(ReadOnlySpan<int> mask, int b, int s)
    {
        if (mask.Length != b * s) throw new ArgumentException($"the mask holds {mask.Length} values for {b} × {s} tokens");
        for (int row = 0; row < b; row++)
            if (!mask.Slice(row * s, s).ContainsAnyExcept(0)) throw new ArgumentException($"row {row} of the batch has no token");
    }
}
