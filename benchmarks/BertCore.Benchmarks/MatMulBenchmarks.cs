using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BertCore.Backends.Cpu;
using BertCore.Tensors;

namespace BertCore.Benchmarks;

/// <summary>
/// CPU GEMM at the shapes of one BERT-base layer over 2048 tokens: for each Linear (attention projections 768→768,
/// FFN up 768→3072, FFN down 3072→768) its forward y = x·Wᵀ, its input gradient dx += dy·W and its weight
/// gradient dW += dyᵀ·x, exactly as Graph.Linear calls the backend.
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- --filter '*MatMulBenchmarks*'
/// </summary>
[Config(typeof(Config))]
public class MatMulBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new GflopsColumn(c => c.Parameters[nameof(Shape)] is Gemm g ? g.Flops : null));
        }
    }

    /// <summary>c [M, N] = op(a)·op(b) + beta·c with a [M, K] ([K, M] if TransA) and b [K, N] ([N, K] if TransB).</summary>
    public sealed record Gemm(string Name, int M, int N, int K, bool TransA, bool TransB, float Beta)
    {
        public double Flops => 2.0 * M * N * K;
        public override string ToString() => Name;
    }

    private const int Tokens = 2048;

    public static IEnumerable<Gemm> Shapes()
    {
        foreach (var (layer, inF, outF) in new[] { ("attn 768-768", 768, 768), ("ffn-up 768-3072", 768, 3072), ("ffn-down 3072-768", 3072, 768) })
        {
            yield return new($"{layer} y=x*W^T", Tokens, outF, inF, TransA: false, TransB: true, Beta: 0f);
            yield return new($"{layer} dx+=dy*W", Tokens, inF, outF, TransA: false, TransB: false, Beta: 1f);
            yield return new($"{layer} dW+=dy^T*x", outF, inF, Tokens, TransA: true, TransB: false, Beta: 1f);
        }
    }

    [ParamsSource(nameof(Shapes))]
    public Gemm Shape { get; set; } = null!;

    private readonly CpuBackend _backend = new();
    private Tensor _a = null!, _b = null!, _c = null!;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        _a = Uniform(s.TransA ? [s.K, s.M] : [s.M, s.K], seed: 1);
        _b = Uniform(s.TransB ? [s.N, s.K] : [s.K, s.N], seed: 2);
        _c = Uniform([s.M, s.N], seed: 3);
    }

    [Benchmark]
    public void MatMul() => _backend.MatMul(_a, Shape.TransA, _b, Shape.TransB, _c, beta: Shape.Beta);

    [GlobalCleanup]
    public void Cleanup()
    {
        _a.Dispose();
        _b.Dispose();
        _c.Dispose();
    }

    private static Tensor Uniform(int[] dims, int seed)
    {
        var t = Tensor.Zeros(dims);
        var r = new Random(seed);
        foreach (ref var v in t.Span) v = (float)(r.NextDouble() * 2 - 1);
        return t;
    }
}
