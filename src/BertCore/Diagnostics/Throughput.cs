using System.Diagnostics;
using BertCore.Backends;
using BertCore.Backends.Gpu;
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
/// Warm-up steps run before timing: at least two, and for at least <see cref="WarmupSeconds"/>, so that a short step
/// (a GEMM, one sequence) is timed in steady state, past the JIT's first calls and the workers' first wake-ups, as a
/// long one (a batch of 32) is after two steps. (Under tiered compilation a two-thread inference stayed 4–10% slower
/// even after this warm-up; the `bertcore` CLI turns tiering off.)
/// </summary>
public static class Throughput
{
    private const int WarmupSteps = 2;
    private const double WarmupSeconds = 2.0;

    /// <summary>A preset ("tiny", "mini", "small", "base") with dropout off, as the peers run.</summary>
    public static BertConfig Config(string model) => BertConfig.Preset(model) with { HiddenDropoutProb = 0f, AttentionProbsDropoutProb = 0f };

    public static StepTiming Train(IBackend backend, BertConfig config, int batch, int seq, int steps, int seed = 0)
    {
        using var step = new MlmTrainingStep(backend, config, batch, seq, seed);
        return Time(batch, seq, steps, step.Run, WaitFor(backend));
    }

    public static StepTiming Infer(IBackend backend, BertConfig config, int batch, int seq, int steps, int seed = 0)
    {
        using var step = new EncoderInference(backend, config, batch, seq, seed);
        return Time(batch, seq, steps, step.Run, WaitFor(backend));
    }

    /// <summary>GFLOP/s of an n×n×n single-precision matrix product (2n³ flops per product).</summary>
    public static double Gemm(IBackend backend, int n, int steps)
    {
        var random = new Random(0);
        var values = new float[n * n];
        using var a = OnBackend(backend, n);
        using var b = OnBackend(backend, n);
        using var c = OnBackend(backend, n);
        foreach (ref var v in values.AsSpan()) v = (float)random.NextDouble();
        backend.Upload(values, a);
        foreach (ref var v in values.AsSpan()) v = (float)random.NextDouble();
        backend.Upload(values, b);
        var t = Time(n, 1, steps, () => backend.MatMul(a, false, b, false, c), () => backend.Download(c, values));
        return 2.0 * n * n * n / t.SecondsPerStep / 1e9;
    }

    /// <summary>How to wait for a backend's queued work: the GPU backend's Synchronize; nothing for the CPU, whose ops finish before returning.</summary>
    private static Action? WaitFor(IBackend backend) => backend is GpuBackend gpu ? gpu.Synchronize : null;

    /// <summary>An n×n tensor in the backend's memory (device memory for the GPU backend).</summary>
    private static Tensor OnBackend(IBackend backend, int n) => new(backend.Allocate(4L * n * n), 0, new Shape(n, n), DType.F32, ownsStorage: true);

    /// <param name="wait">Waits for queued device work before the clock stops (the GPU backend returns before its kernels finish).</param>
    private static StepTiming Time(int batch, int seq, int steps, Action step, Action? wait = null)
    {
        var warmup = Stopwatch.StartNew();
        for (int i = 0; i < WarmupSteps || warmup.Elapsed.TotalSeconds < WarmupSeconds; i++) step();
        wait?.Invoke();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) step();
        wait?.Invoke();
        return new StepTiming(batch, seq, steps, clock.Elapsed.TotalSeconds / steps);
    }
}
