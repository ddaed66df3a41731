using BenchmarkDotNet.Attributes;
using BertCore.Backends.Cpu;
using BertCore.Diagnostics;

namespace BertCore.Benchmarks;

/// <summary>
/// A full masked-LM training step (forward, backward, AdamW; loss at the ~15% masked rows only) at batch 16 ×
/// sequence 128, as `bertcore bench train` and the libtorch peer run it.
/// Run: dotnet run -c Release --project benchmarks/BertCore.Benchmarks -- --filter '*TrainingStepBenchmarks*'
/// </summary>
[Config(typeof(QuickConfig))]
public class TrainingStepBenchmarks
{
    private MlmTrainingStep _step = null!;

    [Params("tiny", "mini", "base")]
    public string Model { get; set; } = "mini";

    [GlobalSetup]
    public void Setup() => _step = new MlmTrainingStep(new CpuBackend(), Throughput.Config(Model), batch: 16, seq: 128);

    [Benchmark]
    public float Step()
    {
        _step.Run();
        return _step.LastLoss;
    }

    [GlobalCleanup]
    public void Cleanup() => _step.Dispose();
}
