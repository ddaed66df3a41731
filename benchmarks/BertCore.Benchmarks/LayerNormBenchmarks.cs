using BenchmarkDotNet.Attributes;
using BertCore.Backends.Cpu;
using BertCore.Tensors;

namespace BertCore.Benchmarks;

/// <summary>LayerNorm forward and backward at BERT-base activation shape [tokens, 768].</summary>
[Config(typeof(QuickConfig))]
public class LayerNormBenchmarks
{
    private readonly CpuBackend _cpu = new();
    private Tensor _x = null!, _y = null!, _gamma = null!, _beta = null!, _mean = null!, _rstd = null!, _dx = null!, _dgamma = null!, _dbeta = null!;

    [Params(2048)]
    public int Tokens { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        Tensor Rand(params int[] d)
        {
            var t = Tensor.Zeros(d);
            foreach (ref var v in t.Span) v = (float)r.NextDouble();
            return t;
        }
        _x = Rand(Tokens, 768); _y = Rand(Tokens, 768); _dx = Rand(Tokens, 768);
        _gamma = Rand(768); _beta = Rand(768); _dgamma = Rand(768); _dbeta = Rand(768);
        _mean = Rand(Tokens); _rstd = Rand(Tokens);
    }

    [Benchmark]
    public void Forward() => _cpu.LayerNorm(_x, _gamma, _beta, 1e-12f, _y, _mean, _rstd);

    [Benchmark]
    public void Backward() => _cpu.LayerNormBackward(_y, _x, _gamma, _mean, _rstd, _dx, _dgamma, _dbeta);
}
