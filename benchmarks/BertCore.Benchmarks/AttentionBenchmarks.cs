using BenchmarkDotNet.Attributes;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Tensors;

namespace BertCore.Benchmarks;

/// <summary>Tiled attention forward and backward at BERT-base shape: batch 16, 12 heads × 64, sequence 128.</summary>
[Config(typeof(QuickConfig))]
public class AttentionBenchmarks
{
    private const int Batch = 16, Heads = 12, HeadDim = 64;
    private readonly CpuBackend _cpu = new();
    private Tensor _q = null!, _k = null!, _v = null!, _out = null!, _lse = null!, _dq = null!, _dk = null!, _dv = null!, _mask = null!;

    [Params(128)]
    public int Seq { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var r = new Random(1);
        Tensor Rand(params int[] d)
        {
            var t = Tensor.Zeros(d);
            foreach (ref var v in t.Span) v = (float)(r.NextDouble() - 0.5);
            return t;
        }
        int width = Heads * HeadDim;
        _q = Rand(Batch, Seq, width); _k = Rand(Batch, Seq, width); _v = Rand(Batch, Seq, width);
        _out = Rand(Batch, Seq, width); _dq = Rand(Batch, Seq, width); _dk = Rand(Batch, Seq, width); _dv = Rand(Batch, Seq, width);
        _lse = Rand(Batch, Heads, Seq);
        _mask = Tensor.FromArray(Enumerable.Repeat(1, Batch * Seq).ToArray(), Batch, Seq);
    }

    [Benchmark]
    public void Forward() => _cpu.Attention(_q, _k, _v, _mask, Heads, 0.125f, Dropout.None, _out, _lse);

    [Benchmark]
    public void Backward() => _cpu.AttentionBackward(_q, _k, _v, _mask, _out, _lse, _out, Heads, 0.125f, Dropout.None, _dq, _dk, _dv);
}
