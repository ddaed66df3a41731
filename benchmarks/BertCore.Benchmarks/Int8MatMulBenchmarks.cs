using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using BertCore.Backends.Cpu;
using BertCore.Backends.Cpu.Int8;
using BertCore.Tensors;

namespace BertCore.Benchmarks;

/// <summary>
/// The inference Linears of BERT-base (768→768, 768→3072, 3072→768) over 128 and 2048 tokens, y = x·Wᵀ + b: fp32 with
/// the weight pre-packed (a frozen model's constant weight) against int8 (<see cref="CpuBackend.QuantizedLinear"/>:
/// quantizing the activations included) on each int8 path this CPU supports; the GFLOP/s column counts 2·M·N·K for both.
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- --filter '*Int8MatMulBenchmarks*'
/// </summary>
[Config(typeof(Config))]
public class Int8MatMulBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance));
            AddColumn(new GflopsColumn(c => c.Parameters[nameof(Shape)] is Linear l ? l.Flops : null));
        }
    }

    /// <summary>x [Tokens, In] · Wᵀ with W [Out, In].</summary>
    public sealed record Linear(string Name, int Tokens, int In, int Out)
    {
        public double Flops => 2.0 * Tokens * In * Out;
        public override string ToString() => Name;
    }

    public static IEnumerable<Linear> Shapes()
    {
        foreach (int tokens in new[] { 128, 2048 })
            foreach (var (layer, inF, outF) in new[] { ("attn 768-768", 768, 768), ("ffn-up 768-3072", 768, 3072), ("ffn-down 3072-768", 3072, 768) })
                yield return new($"{layer} x{tokens}", tokens, inF, outF);
    }

    [ParamsSource(nameof(Shapes))]
    public Linear Shape { get; set; } = null!;

    /// <summary>The int8 paths of this CPU ("fp32" rows ignore it).</summary>
    public static IEnumerable<string> Paths() => Int8Paths.Supported.Where(p => p != Int8Path.Scalar).Select(p => p.ToString());

    [ParamsSource(nameof(Paths))]
    public string Path { get; set; } = null!;

    private CpuBackend _backend = null!;
    private Tensor _x = null!, _w = null!, _bias = null!, _y = null!;
    private QuantizedWeights _quantized = null!;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        _backend = new CpuBackend(0, Enum.Parse<Int8Path>(Path));
        _x = Uniform([s.Tokens, s.In], seed: 1);
        _w = Uniform([s.Out, s.In], seed: 2);
        _w.MarkConstant();
        _bias = Uniform([s.Out], seed: 3);
        _y = Tensor.Zeros(s.Tokens, s.Out);
        _quantized = QuantizedWeights.Quantize(_w.Span, s.Out, s.In);
    }

    [Benchmark(Baseline = true)]
    public void Fp32() => _backend.MatMul(_x, false, _w, true, _y, _bias);

    [Benchmark]
    public void Int8() => _backend.QuantizedLinear(_x, _quantized, _bias, _y, gelu: false);

    [GlobalCleanup]
    public void Cleanup()
    {
        _quantized.Dispose();
        _x.Dispose();
        _w.Dispose();
        _bias.Dispose();
        _y.Dispose();
        _backend.Dispose();
    }

    private static Tensor Uniform(int[] dims, int seed)
    {
        var t = Tensor.Zeros(dims);
        var r = new Random(seed);
        foreach (ref var v in t.Span) v = (float)(r.NextDouble() * 2 - 1);
        return t;
    }
}
