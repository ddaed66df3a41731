using System.Globalization;
using BertCore.Embeddings;

namespace BertCore.Benchmarks.Search;

/// <summary>
/// Recall@k of int8 search against exact fp32 search (the fraction of fp32's k best that int8 also returns), on
/// synthetic unit vectors of each <see cref="VectorKind"/>. A measurement, not a timing: it may run on a busy machine.
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- recall [--count 100000] [--dim 384] [--queries 1000]
/// </summary>
public static class VectorRecall
{
    private static readonly int[] Ks = [1, 10, 100];
    private const string Model = "synthetic";

    public static int Run(string[] args)
    {
        int count = Option(args, "--count", 100_000), dim = Option(args, "--dim", 384), queryCount = Option(args, "--queries", 1000);
        string root = Path.Combine(Path.GetTempPath(), "bertcore-recall-" + Guid.NewGuid().ToString("N"));
        Console.WriteLine($"int8 against fp32, {count:N0} vectors of {dim} dimensions, {queryCount:N0} queries drawn like the corpus");
        Console.WriteLine();
        Console.WriteLine("| vectors | " + string.Join(" | ", Ks.Select(k => $"recall@{k}")) + " | cosine: query–top-1 | query–any row |");
        Console.WriteLine("|---|" + string.Concat(Ks.Select(_ => "---|")) + "---|---|");
        try
        {
            foreach (var kind in Enum.GetValues<VectorKind>())
            {
                var rows = VectorSets.Make(kind, count, dim, seed: 1, drawSeed: 2);
                var queries = VectorSets.Make(kind, queryCount, dim, seed: 1, drawSeed: 3);
                var exact = Search(Path.Combine(root, kind + "-fp32"), rows, queries, VectorPrecision.Float32);
                var approximate = Search(Path.Combine(root, kind + "-int8"), rows, queries, VectorPrecision.Int8);
                var recalls = Ks.Select(k => Enumerable.Range(0, queryCount)
                    .Average(q => exact[q].Take(k).Select(h => h.Id).Intersect(approximate[q].Take(k).Select(h => h.Id)).Count() / (double)k));
                double top1 = exact.Average(hits => (double)hits[0].Score);
                double any = Enumerable.Range(0, queryCount).Average(q => Dot(queries[q], rows[(q * 7919) % count]));
                Console.WriteLine($"| {kind} | " + string.Join(" | ", recalls.Select(r => r.ToString("F4", CultureInfo.InvariantCulture)))
                    + $" | {top1:F3} | {any:F3} |");
            }
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
        return 0;
    }

    /// <summary>The 100 best hits of each query in an index of <paramref name="rows"/> stored at <paramref name="precision"/>.</summary>
    private static IReadOnlyList<SearchHit>[] Search(string dir, float[][] rows, float[][] queries, VectorPrecision precision)
    {
        using var index = VectorIndex.Create(dir, Model, rows[0].Length, precision);
        index.Add(Model, rows.Select((_, i) => ($"row-{i}", "")).ToArray(), rows);
        var hits = index.Search(queries, Ks.Max(), Model);
        index.Dispose();
        Directory.Delete(dir, recursive: true);
        return hits;
    }

    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

    private static int Option(string[] args, string name, int fallback)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
