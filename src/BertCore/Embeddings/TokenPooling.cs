namespace BertCore.Embeddings;

/// <summary>
/// Pooling on the host, one sequence at a time, as sentence-transformers' Pooling module computes it over the tokens
/// of the attention mask ([CLS] and [SEP] included). Taking one sequence's own tokens makes it indifferent to how a
/// batch was laid out (padded rows, or sequences packed end to end).
/// </summary>
public static class TokenPooling
{
    /// <summary>
    /// Pools <paramref name="tokens"/> [n, H] (one sequence's last hidden states, no padding, n ≥ 1) into
    /// <paramref name="into"/> [H]: the mean (summed in double), the per-dimension maximum, or the first ([CLS]) row.
    /// </summary>
    /// <exception cref="ArgumentException">No tokens, or <paramref name="tokens"/> is not a whole number of rows of H.</exception>
    public static void Pool(PoolingMode mode, ReadOnlySpan<float> tokens, Span<float> into)
    {
        int width = into.Length;
        if (width == 0 || tokens.Length == 0 || tokens.Length % width != 0)
            throw new ArgumentException($"{tokens.Length} values are not one or more rows of {width}");
        int n = tokens.Length / width;
        for (int d = 0; d < width; d++)
        {
            switch (mode)
            {
                case PoolingMode.Mean:
                    double sum = 0;
                    for (int t = 0; t < n; t++) sum += tokens[t * width + d];
                    into[d] = (float)(sum / n);
                    break;
                case PoolingMode.Max:
                    float max = tokens[d];
                    for (int t = 1; t < n; t++) max = Math.Max(max, tokens[t * width + d]);
                    into[d] = max;
                    break;
                default:
                    into[d] = tokens[d];
                    break;
            }
        }
    }
}
