namespace BertCore.Tests.Embeddings;

/// <summary>
/// The oracle of the vector-index tests: brute force in double precision, every row scored, the k best sorted by score
/// descending and then by id in ordinal order (the order VectorIndex documents).
/// </summary>
internal static class SearchReference
{
    /// <summary>The k best (id, exact score) of rows [N][D] for <paramref name="query"/> [D].</summary>
    public static (string Id, double Score)[] TopK(IReadOnlyList<float[]> rows, IReadOnlyList<string> ids, float[] query, int k) =>
        TopK(rows.Select(row => Dot(query, row)).ToArray(), ids, k);

    /// <summary>The k best (id, score) of the given per-row scores.</summary>
    public static (string Id, double Score)[] TopK(double[] scores, IReadOnlyList<string> ids, int k) =>
        Enumerable.Range(0, scores.Length)
            .OrderByDescending(r => scores[r]).ThenBy(r => ids[r], StringComparer.Ordinal)
            .Take(k).Select(r => (ids[r], scores[r])).ToArray();

    /// <summary>
    /// Checks fp32 hits against the reference's k + 1 best (<paramref name="expected"/>), given a bound on each fp32
    /// score's error. Position i must hold the reference's id when the reference's scores around it (i − 1, i, i + 1)
    /// are each equal to it (equal vectors score equal bits in fp32 too) or further than 2 · bound from it; otherwise
    /// (a near-tie, where fp32 may order two hits as double does not) only its score is checked: at every position, the
    /// hit's score must be within 2 · bound of the reference's i-th. Returns the positions held to the id.
    /// </summary>
    public static int AssertSameHits((string Id, double Score)[] expected, IReadOnlyList<BertCore.Embeddings.SearchHit> found, double bound)
    {
        Xunit.Assert.Equal(expected.Length - 1, found.Count);
        int strict = 0;
        for (int i = 0; i < found.Count; i++)
        {
            bool Apart(int j) => j < 0 || j >= expected.Length || expected[j].Score == expected[i].Score
                || Math.Abs(expected[j].Score - expected[i].Score) > 2 * bound;
            if (Apart(i - 1) && Apart(i + 1))
            {
                Xunit.Assert.Equal(expected[i].Id, found[i].Id);
                strict++;
            }
            Xunit.Assert.InRange(found[i].Score, expected[i].Score - 2 * bound, expected[i].Score + 2 * bound);
        }
        return strict;
    }

    /// <summary>Σ a[i] · b[i] in double (exact for fp32 inputs up to rounding of the double sum).</summary>
    public static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (double)a[i] * b[i];
        return sum;
    }

    /// <summary>A bound on |fp32 dot − exact dot| for any order of summation with or without fused multiply-adds:
    /// n · 2⁻²⁴ · Σ |a[i] · b[i]| (Higham's γₙ, first order).</summary>
    public static double Fp32ErrorBound(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Math.Abs((double)a[i] * b[i]);
        return a.Length * Math.Pow(2, -24) * sum * 1.01;
    }

    /// <summary>Vectors [n][d] of unit length with Gaussian directions.</summary>
    public static float[][] UnitVectors(int n, int d, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ =>
        {
            var v = new double[d];
            for (int i = 0; i < d; i++) v[i] = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
            double norm = Math.Sqrt(v.Sum(x => x * x));
            return v.Select(x => (float)(x / norm)).ToArray();
        }).ToArray();
    }

    /// <summary>Vectors [n][d] with values in {−1, −3/4, ..., 1}: every product is a multiple of 1/16 and every sum of up
    /// to 2²⁰ of them is exact in fp32, so scores are exact and exact ties are frequent.</summary>
    public static float[][] GridVectors(int n, int d, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => random.Next(-4, 5) / 4f).ToArray()).ToArray();
    }

    /// <summary>n distinct ids in an order unrelated to the rows ("doc-" and a random number; some share prefixes).</summary>
    public static string[] ShuffledIds(int n, int seed)
    {
        var random = new Random(seed);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        while (ids.Count < n) ids.Add("doc-" + random.Next(0, 4 * n));
        return ids.ToArray();
    }
}
