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
    public static double Gemm(IBackend backend, int n, int steps) => Gemm(backend, GemmShape.Square(n), steps);

    /// <summary>GFLOP/s of c [m, n] = op(a)·op(b) in single precision (2mnk flops per product), a and b random, neither
    /// marked constant: each product packs its operands, as in training (and as libtorch does every call).</summary>
    public static double Gemm(IBackend backend, GemmShape shape, int steps)
    {
        var (m, n, k) = (shape.M, shape.N, shape.K);
        var random = new Random(0);
        using var a = OnBackend(backend, shape.TransA ? new Shape(k, m) : new Shape(m, k));
        using var b = OnBackend(backend, shape.TransB ? new Shape(n, k) : new Shape(k, n));
        using var c = OnBackend(backend, new Shape(m, n));
        foreach (var operand in new[] { a, b })
        {
            var values = new float[operand.Count];
            foreach (ref var v in values.AsSpan()) v = (float)random.NextDouble();
            backend.Upload(values, operand);
        }
        var result = new float[c.Count];
        var t = Time(1, 1, steps, () => backend.MatMul(a, shape.TransA, b, shape.TransB, c), () => backend.Download(c, result));
        return 2.0 * m * n * k / t.SecondsPerStep / 1e9;
    }

    /// <summary>How to wait for a backend's queued work: the GPU backend's Synchronize; nothing for the CPU, whose ops finish before returning.</summary>
    private static Action? WaitFor(IBackend backend) => backend is GpuBackend gpu ? gpu.Synchronize : null;

    /// <summary>A tensor in the backend's memory (device memory for the GPU backend).</summary>
    private static Tensor OnBackend(IBackend backend, Shape shape) => new(backend.Allocate(4L * shape.Count), 0, shape, DType.F32, ownsStorage: true);

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

/// <summary>A GEMM to time: c [M, N] = op(a)·op(b) with op(a) [M, K], op(b) [K, N]; a stored [K, M] when TransA, b stored
/// [N, K] when TransB (a Linear layer's forward x·Wᵀ is TransB; its weight gradient dyᵀ·x is TransA).</summary>
public readonly record struct GemmShape(int M, int N, int K, bool TransA = false, bool TransB = false)
{
    public static GemmShape Square(int n) => new(n, n, n);

    public bool IsSquare => M == N && N == K && !TransA && !TransB;
}
