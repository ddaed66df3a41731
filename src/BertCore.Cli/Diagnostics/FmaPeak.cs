using System.Runtime.Intrinsics;
using BertCore.Backends.Cpu;

namespace BertCore.Diagnostics;

/// <summary>
/// The machine's measured fp32 FMA peak: independent FMA chains on registers (no memory traffic), the ceiling
/// that GEMM efficiency is quoted against. Measured with 256-bit and, where they are accelerated, 512-bit vectors;
/// the faster width counts (on machines whose AVX-512 units are 512 bits wide it is twice the 256-bit rate).
/// </summary>
public static class FmaPeak
{
    /// <summary>GFLOP/s on one thread and on <paramref name="threads"/> threads at once (default: all cores), and the
    /// vector width in bits that reached them.</summary>
    public static (double OneThread, double AllThreads, int Threads, int VectorBits) Measure(int threads = 0, double seconds = 0.5)
    {
        if (threads <= 0) threads = Environment.ProcessorCount;
        FmaBursts.Rate(FmaBursts.Burst256, 0.05);   // JIT and clock warm-up
        Func<long> burst = FmaBursts.Burst256;
        int bits = 256;
        double one = FmaBursts.Rate(burst, seconds);
        if (Vector512.IsHardwareAccelerated)
        {
            FmaBursts.Rate(FmaBursts.Burst512, 0.05);
            double wide = FmaBursts.Rate(FmaBursts.Burst512, seconds);
            if (wide > one) (one, burst, bits) = (wide, FmaBursts.Burst512, 512);
        }
        var results = new double[threads];
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() => results[i] = FmaBursts.Rate(burst, seconds))).ToArray();
        foreach (var w in workers) w.Start();
        foreach (var w in workers) w.Join();
        return (one, results.Sum(), threads, bits);
    }
}
