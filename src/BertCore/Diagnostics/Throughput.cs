using System.Diagnostics;
using BertCore.Backends;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Diagnostics;

/// <summary>Seconds per step and tokens per second of one measured run.</summary>
public sealed record StepTiming(int Batch, int Seq, int Steps, double SecondsPerStep)
{
    public double TokensPerSecond => Batch * Seq / SecondsPerStep;
}

/// <summary>
/// The workloads `bertcore bench` times, shaped like the peers in ../shared/tools (TorchSharp/libtorch and ONNX
/// Runtime) so they can be run in turn: random token ids, no dropout; training is one masked-LM step with AdamW
/// (15% of positions masked, the vocabulary projection only at masked rows); inference is the encoder forward.
/// Two warm-up steps run before timing.
/// </summary>
public static class Throughput
{
    private const int WarmupSteps = 2;

    /// <summary>A preset ("tiny", "mini", "small", "base") with dropout off, as the peers run.</summary>
    public static BertConfig Config(string model) => BertConfig.Preset(model) with { HiddenDropoutProb = 0f, AttentionProbsDropoutProb = 0f };

    public static StepTiming Train(IBackend backend, BertConfig config, int batch, int seq, int steps, int seed = 0)
    {
        using var step = new MlmTrainingStep(backend, config, batch, seq, seed);
        return Time(batch, seq, steps, step.Run);
    }

    public static StepTiming Infer(IBackend backend, BertConfig config, int batch, int seq, int steps, int seed = 0)
    {
        using var step = new EncoderInference(backend, config, batch, seq, seed);
        return Time(batch, seq, steps, step.Run);
    }

    /// <summary>GFLOP/s of an n×n×n single-precision matrix product (2n³ flops per product).</summary>
    public static double Gemm(IBackend backend, int n, int steps)
    {
        var random = new Random(0);
        using var a = Tensor.Zeros(n, n);
        using var b = Tensor.Zeros(n, n);
        using var c = Tensor.Zeros(n, n);
        foreach (ref var v in a.Span) v = (float)random.NextDouble();
        foreach (ref var v in b.Span) v = (float)random.NextDouble();
        var t = Time(n, 1, steps, () => backend.MatMul(a, false, b, false, c));
        return 2.0 * n * n * n / t.SecondsPerStep / 1e9;
    }

    private static StepTiming Time(int batch, int seq, int steps, Action step)
    {
        for (int i = 0; i < WarmupSteps; i++) step();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step();
        return new StepTiming(batch, seq, steps, clock.Elapsed.TotalSeconds / steps);
    }
}
