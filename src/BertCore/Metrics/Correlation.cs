namespace BertCore.Metrics;

/// <summary>Correlation metrics of regression (GLUE STS-B reports Pearson and Spearman).</summary>
public static class Correlation
{
    /// <summary>
    /// Pearson's r = Σ(x−x̄)(y−ȳ) / √(Σ(x−x̄)² Σ(y−ȳ)²), in double (SciPy <c>pearsonr</c>). NaN when either input is
    /// constant (the correlation is undefined; SciPy also returns NaN).
    /// </summary>
    /// <exception cref="ArgumentException">Lists of different length, or fewer than 2 values.</exception>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
            throw new ArgumentException($"{y.Count} values against {x.Count}.", nameof(y));
        if (x.Count < 2)
            throw new ArgumentException("A correlation needs at least 2 values.", nameof(x));
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        return sxx == 0 || syy == 0 ? double.NaN : Math.Clamp(sxy / Math.Sqrt(sxx * syy), -1.0, 1.0);
    }

    /// <summary>Spearman's ρ: Pearson's r of the ranks, tied values sharing their average rank (SciPy <c>spearmanr</c>).</summary>
    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) =>
        Pearson(AverageRanks(x), AverageRanks(y));

    /// <summary>
    /// 1-based ranks in ascending order; each group of equal values gets the mean of the ranks it spans
    /// (SciPy <c>rankdata(method="average")</c>): [10, 20, 20, 30] → [1, 2.5, 2.5, 4].
    /// </summary>
    /// <exception cref="ArgumentException">A value is NaN (it has no rank).</exception>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        if (values.Any(double.IsNaN))
            throw new ArgumentException("NaN has no rank.", nameof(values));
        int[] order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start + 1;
            while (end < order.Length && values[order[end]] == values[order[start]])
                end++;
            double rank = (start + 1 + end) / 2.0; // mean of ranks start+1 … end
            for (int k = start; k < end; k++)
                ranks[order[k]] = rank;
            start = end;
        }
        return ranks;
    }
}
