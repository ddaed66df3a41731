namespace BertCore.Benchmarks.Search;

/// <summary>The kinds of synthetic unit vectors the search measurements use.</summary>
public enum VectorKind
{
    /// <summary>Isotropic Gaussian directions: every pair nearly orthogonal, top scores close together; a weak proxy.</summary>
    Gaussian,

    /// <summary>1,000 clusters: a unit center plus Gaussian noise of norm 0.8 (a query's best hit at cosine about 0.6,
    /// unrelated vectors about 0), like groups of paraphrases.</summary>
    Clustered,

    /// <summary>Clustered, with the skew of real sentence embeddings: per-dimension spreads falling as 1/√(i + 1) and a
    /// mean direction shared by every vector (cosine of unrelated vectors about 0.15 rather than 0).</summary>
    Anisotropic,
}

/// <summary>Deterministic synthetic unit vectors (a seed gives the same vectors everywhere).</summary>
public static class VectorSets
{
    private const int Clusters = 1000;

    /// <summary>n unit vectors [n][d] of <paramref name="kind"/>; the same seed gives the same clusters, so
    /// queries drawn with another <paramref name="drawSeed"/> fall into the corpus's clusters.</summary>
    public static float[][] Make(VectorKind kind, int n, int d, int seed, int drawSeed)
    {
        var shape = new Random(seed);
        var spread = Enumerable.Range(0, d).Select(i => kind == VectorKind.Anisotropic ? 1 / Math.Sqrt(i + 1) : 1.0).ToArray();
        double spreadNorm = Math.Sqrt(spread.Sum(s => s * s));
        double[] Direction(Random r) => Normalize(Enumerable.Range(0, d).Select(i => Gaussian(r) * spread[i] / spreadNorm * Math.Sqrt(d)).ToArray());
        var mean = Direction(shape);
        var centers = Enumerable.Range(0, Clusters).Select(_ => Direction(shape)).ToArray();
        var draw = new Random(drawSeed);
        var result = new float[n][];
        for (int v = 0; v < n; v++)
        {
            var x = Direction(draw);
            if (kind != VectorKind.Gaussian)
            {
                var c = centers[draw.Next(Clusters)];
                for (int i = 0; i < d; i++) x[i] = c[i] + 0.8 * x[i] + (kind == VectorKind.Anisotropic ? 0.6 * mean[i] : 0);
            }
            result[v] = Array.ConvertAll(Normalize(x), value => (float)value);
        }
        return result;
    }

    private static double[] Normalize(double[] x)
    {
        double norm = Math.Sqrt(x.Sum(v => v * v));
        return Array.ConvertAll(x, v => v / norm);
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
