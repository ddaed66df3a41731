using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Diagnostics;

/// <summary>
/// The machine's measured fp32 FMA peak: independent FMA chains on registers (no memory traffic), the ceiling
/// that GEMM efficiency is quoted against. Uses 512-bit vectors where they are accelerated, else 256-bit.
/// </summary>
public static class FmaPeak
{
    /// <summary>GFLOP/s on one thread and on <paramref name="threads"/> threads at once (default: all cores).</summary>
    public static (double OneThread, double AllThreads, int Threads) Measure(int threads = 0, double seconds = 0.5)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        Run(0.05);   // JIT and clock warm-up
        double one = Run(seconds);
        var results = new double[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() => results[i] = Run(seconds))).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        return (one, results.Sum(), threads);
    }

    /// <summary>GFLOP/s of this thread over about <paramref name="seconds"/>.</summary>
    private static double Run(double seconds)
    {
        long flops = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds) flops += Burst();
        return flops / clock.Elapsed.TotalSeconds / 1e9;
    }

    private const int Iterations = 1 << 16;

    /// <summary>12 independent FMA chains (enough to cover latency × throughput of two FMA pipes); returns flops.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static long Burst()
    {
        var m = Vector256.Create(0.999999f);
        var a = Vector256.Create(1e-7f);
        Vector256<float> c0 = Vector256.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector256.FusedMultiplyAdd(c0, m, a); c1 = Vector256.FusedMultiplyAdd(c1, m, a);
            c2 = Vector256.FusedMultiplyAdd(c2, m, a); c3 = Vector256.FusedMultiplyAdd(c3, m, a);
            c4 = Vector256.FusedMultiplyAdd(c4, m, a); c5 = Vector256.FusedMultiplyAdd(c5, m, a);
            c6 = Vector256.FusedMultiplyAdd(c6, m, a); c7 = Vector256.FusedMultiplyAdd(c7, m, a);
            c8 = Vector256.FusedMultiplyAdd(c8, m, a); c9 = Vector256.FusedMultiplyAdd(c9, m, a);
            c10 = Vector256.FusedMultiplyAdd(c10, m, a); c11 = Vector256.FusedMultiplyAdd(c11, m, a);
        }
        Sink = Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        return (long)Iterations * 12 * 8 * 2;
    }

    /// <summary>Keeps the chains' results alive so the JIT cannot drop the loop.</summary>
    public static float Sink { get; private set; }
}
