using BenchmarkDotNet.Attributes;
using BertCore.Backends.Cpu;
using BertCore.Diagnostics;

namespace BertCore.Benchmarks;

/// <summary>
/// The BERT-base encoder forward without gradients at sequence 128, batch 1 (latency) and 32 (throughput), as
/// `bertcore bench infer` and the libtorch and ONNX Runtime peers run it.
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- --filter '*InferenceBenchmarks*'
/// </summary>
[Config(typeof(QuickConfig))]
public class InferenceBenchmarks
{
    private EncoderInference _inference = null!;

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup() => _inference = new EncoderInference(new CpuBackend(), Throughput.Config("base"), Batch, seq: 128);

    [Benchmark]
    public void Forward() => _inference.Run();

    [GlobalCleanup]
    public void Cleanup() => _inference.Dispose();
}
