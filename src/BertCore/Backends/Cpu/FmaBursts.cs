using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Independent FMA chains on registers, no memory traffic: the fp32 FMA rate of this thread with 256-bit and with
/// 512-bit vectors. The CLI's `bench peak` reports the faster as the machine's peak; the GEMM asks
/// <see cref="WideVectorsPay"/> whether its 512-bit micro-kernel is worth taking here: where AVX-512 runs on
/// 512-bit units a 512-bit FMA does twice the work of a 256-bit one per instruction; Zen 4 splits it in two halves
/// on 256-bit units, the same rate; without AVX-512 it is emulated with two 256-bit ones.
/// </summary>
internal static class FmaBursts
{
    private const int Iterations = 1 << 14;

    /// <summary>True when 512-bit FMAs run at least 1.4 times the flops of 256-bit ones on this machine (measured once,
    /// in a few milliseconds, the best of three alternating tries each so that a preempted try does not decide).
    /// False where Vector512 is not accelerated.</summary>
    public static bool WideVectorsPay => s_wideVectorsPay.Value;

    private static readonly Lazy<bool> s_wideVectorsPay = new(() =>
    {
        if (!Vector512.IsHardwareAccelerated) return false;
        Rate(Burst256, 0.001);   // JIT and clock warm-up
        Rate(Burst512, 0.001);
        double narrow = 0, wide = 0;
        for (int i = 0; i < 3; i++)
        {
            narrow = Math.Max(narrow, Rate(Burst256, 0.002));
            wide = Math.Max(wide, Rate(Burst512, 0.002));
        }
        return wide >= 1.4 * narrow;
    });

    /// <summary>GFLOP/s of this thread running <paramref name="burst"/> (flops per call) for about <paramref name="seconds"/>.</summary>
    public static double Rate(Func<long> burst, double seconds)
    {
        long flops = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds) flops += burst();
        return flops / clock.Elapsed.TotalSeconds / 1e9;
    }

    /// <summary>12 independent 256-bit FMA chains (enough to cover latency × throughput of two FMA pipes); returns flops.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static long Burst256()
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

    /// <summary>The same 12 chains on 512-bit vectors; returns flops.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static long Burst512()
    {
        var m = Vector512.Create(0.999999f);
        var a = Vector512.Create(1e-7f);
        Vector512<float> c0 = Vector512.Create(1f), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < Iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, m, a); c1 = Vector512.FusedMultiplyAdd(c1, m, a);
            c2 = Vector512.FusedMultiplyAdd(c2, m, a); c3 = Vector512.FusedMultiplyAdd(c3, m, a);
            c4 = Vector512.FusedMultiplyAdd(c4, m, a); c5 = Vector512.FusedMultiplyAdd(c5, m, a);
            c6 = Vector512.FusedMultiplyAdd(c6, m, a); c7 = Vector512.FusedMultiplyAdd(c7, m, a);
            c8 = Vector512.FusedMultiplyAdd(c8, m, a); c9 = Vector512.FusedMultiplyAdd(c9, m, a);
            c10 = Vector512.FusedMultiplyAdd(c10, m, a); c11 = Vector512.FusedMultiplyAdd(c11, m, a);
        }
        Sink = Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
        return (long)Iterations * 12 * 16 * 2;
    }

    /// <summary>Keeps the chains' results alive so the JIT cannot drop the loops.</summary>
    public static float Sink { get; private set; }
}
