using System.Diagnostics;
using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>
/// Picks the <see cref="Int8Path"/> the CPU backend runs, by measurement as <see cref="FmaBursts.WideVectorsPay"/>
/// picks the fp32 tile, never by the CPU's name: every supported path runs the same cache-resident tile (256 deep)
/// for about 2 ms, best of three alternating tries each (a preempted try does not decide), and the most tiles per
/// second wins. The scalar path is the fallback when no vector path is supported. Measured once per process, in
/// about 30 ms.
/// </summary>
internal static unsafe class Int8Probe
{
    private const int Quads = 64;

    /// <summary>The fastest supported path on this machine.</summary>
    public static Int8Path Fastest => s_fastest.Value;

    private static readonly Lazy<Int8Path> s_fastest = new(() =>
    {
        var vector = Int8Paths.Supported.Where(p => p != Int8Path.Scalar).ToArray();
        if (vector.Length <= 1) return vector.Length == 1 ? vector[0] : Int8Path.Scalar;
        byte* a = (byte*)NativeMemory.AlignedAlloc(Int8Kernel.MR * Quads * 4, 64);
        sbyte* b = (sbyte*)NativeMemory.AlignedAlloc(Int8Kernel.NR * Quads * 4, 64);
        int* acc = stackalloc int[Int8Kernel.MR * Int8Kernel.NR];
        try
        {
            NativeMemory.Fill(a, Int8Kernel.MR * Quads * 4, 3);
            NativeMemory.Fill(b, Int8Kernel.NR * Quads * 4, 1);
            var best = new double[vector.Length];
            for (int i = 0; i < vector.Length; i++) Rate(vector[i], a, b, acc, 0.001);   // JIT and clock warm-up
            for (int round = 0; round < 3; round++)
                for (int i = 0; i < vector.Length; i++) best[i] = Math.Max(best[i], Rate(vector[i], a, b, acc, 0.002));
            return vector[Array.IndexOf(best, best.Max())];
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
        }
    });

    /// <summary>Tiles per second of <paramref name="path"/> over about <paramref name="seconds"/>. a [MR, 4·Quads] u8; b one sliver; acc [MR, 16].</summary>
    private static double Rate(Int8Path path, byte* a, sbyte* b, int* acc, double seconds)
    {
        long tiles = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (int i = 0; i < 64; i++) Int8Kernel.Tile(path, Quads, a, Quads * 4, Int8Kernel.MR, b, acc);
            tiles += 64;
        }
        return tiles / clock.Elapsed.TotalSeconds;
    }
}
