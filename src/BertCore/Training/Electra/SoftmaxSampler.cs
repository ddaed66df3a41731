using BertCore.Backends;

namespace BertCore.Training.Electra;

/// <summary>
/// Draws one token per row from softmax(logits) by inverting the cumulative distribution with a uniform number from
/// the counter RNG: row r uses the value at (<c>seed</c>, <c>counter + r</c>), so the draws are a pure function of
/// the logits, the seed and the counter (what an exact resume needs). Sums run in double precision.
/// </summary>
public static class SoftmaxSampler
{
    /// <summary>Uniform in [0, 1) with 53 bits at (<paramref name="seed"/>, <paramref name="counter"/>).</summary>
    public static double Uniform(ulong seed, ulong counter) => (CounterRng.Hash(seed, counter) >> 11) * (1.0 / (1UL << 53));

    /// <summary>logits [rows, vocab] (row-major) → one sampled index per row into <paramref name="tokens"/> [rows].</summary>
    /// <exception cref="ArgumentException">The logits are not rows × vocab, or a row holds a value that is not finite.</exception>
    public static void Sample(ReadOnlySpan<float> logits, int vocab, ulong seed, ulong counter, Span<int> tokens)
    {
        if (vocab < 1 || logits.Length != tokens.Length * vocab)
            throw new ArgumentException($"{logits.Length} logits are not {tokens.Length} rows of {vocab}");
        for (int r = 0; r < tokens.Length; r++)
            tokens[r] = SampleRow(logits.Slice(r * vocab, vocab), Uniform(seed, counter + (ulong)r), r);
    }

    private static int SampleRow(ReadOnlySpan<float> row, double u, int index)
    {
        float max = float.NegativeInfinity;
        foreach (var x in row)
        {
            if (!float.IsFinite(x)) throw new ArgumentException($"logit row {index} holds {x}");
            if (x > max) max = x;
        }
        double total = 0;
        foreach (var x in row) total += Math.Exp(x - max);
        double target = u * total, cumulative = 0;
        for (int i = 0; i < row.Length; i++)
        {
            cumulative += Math.Exp(row[i] - max);
            if (cumulative > target) return i;
        }
        return row.Length - 1;   // u · total rounded up to the last partial sum
    }
}
