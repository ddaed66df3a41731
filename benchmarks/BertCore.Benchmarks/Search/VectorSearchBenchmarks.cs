using BenchmarkDotNet.Attributes;
using BertCore.Embeddings;

namespace BertCore.Benchmarks.Search;

/// <summary>
/// Exact top-10 search over 100,000 clustered unit vectors of 384 dimensions (all-MiniLM-L6-v2's width), fp32
/// (147 MiB of rows) and int8 (37 MiB): one query (latency), and a batch of 64 queries (one pass over the rows).
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- --filter '*VectorSearchBenchmarks*'
/// (or tools/bench/vector-search.sh, which also prints int8's recall).
/// </summary>
[Config(typeof(QuickConfig))]
public class VectorSearchBenchmarks
{
    private const string Model = "synthetic";
    private string _dir = null!;
    private VectorIndex _index = null!;
    private float[] _query = null!;
    private float[][] _batch = null!;

    [Params(VectorPrecision.Float32, VectorPrecision.Int8)]
    public VectorPrecision Precision { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rows = VectorSets.Make(VectorKind.Clustered, 100_000, 384, seed: 1, drawSeed: 2);
        _batch = VectorSets.Make(VectorKind.Clustered, 64, 384, seed: 1, drawSeed: 3);
        _query = _batch[0];
        _dir = Path.Combine(Path.GetTempPath(), "bertcore-search-bench-" + Guid.NewGuid().ToString("N"));
        _index = VectorIndex.Create(_dir, Model, 384, Precision);
        _index.Add(Model, rows.Select((_, i) => ($"row-{i}", "")).ToArray(), rows);
    }

    [Benchmark]
    public IReadOnlyList<SearchHit> OneQuery() => _index.Search(_query, 10, Model);

    [Benchmark]
    public IReadOnlyList<SearchHit>[] Batch64() => _index.Search(_batch, 10, Model);

    [GlobalCleanup]
    public void Cleanup()
    {
        _index.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
