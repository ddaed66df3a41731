using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BertCore.Backends.Cpu;

/// <summary>An element-wise function of one value, in the three widths the CPU backend runs.</summary>
internal interface IUnaryOp
{
    static abstract Vector512<float> Apply(Vector512<float> x);
    static abstract Vector256<float> Apply(Vector256<float> x);
    static abstract float Apply(float x);
}

/// <summary>An element-wise function of two values, in the three widths the CPU backend runs.</summary>
internal interface IBinaryOp
{
    static abstract Vector512<float> Apply(Vector512<float> x, Vector512<float> y);
    static abstract Vector256<float> Apply(Vector256<float> x, Vector256<float> y);
    static abstract float Apply(float x, float y);
}

/// <summary>
/// Drivers that run an element-wise op over memory: 512-bit vectors where the hardware accelerates them,
/// else 256-bit, then a scalar tail. Large inputs are split over threads in fixed chunks (results do not
/// depend on the split: each element is computed alone).
/// </summary>
internal static unsafe class Simd
{
    /// <summary>Elements per item of a threaded map.</summary>
    private const int Chunk = 1 << 14;

    private static int Items(long n) => checked((int)((n + Chunk - 1) / Chunk));

    /// <summary>y[i] = Op(x[i]).</summary>
    public static void Map<TOp>(WorkerPool pool, float* x, float* y, long n) where TOp : IUnaryOp
    {
        var job = new UnaryJob<TOp>(x, y, n);
        pool.For(Items(n), Chunk, ref job);
    }

    /// <summary>y[i] = Op(a[i], b[i]), or y[i] += Op(a[i], b[i]) when accumulating (backward kernels).</summary>
    public static void Map<TOp>(WorkerPool pool, float* a, float* b, float* y, long n, bool accumulate = false) where TOp : IBinaryOp
    {
        var job = new BinaryJob<TOp>(a, b, y, n, accumulate);
        pool.For(Items(n), Chunk, ref job);
    }

    /// <summary>Items [start, end) of Chunk elements of a unary map.</summary>
    private readonly struct UnaryJob<TOp>(float* x, float* y, long n) : IRangeJob where TOp : IUnaryOp
    {
        public void Run(int start, int end)
        {
            long first = (long)start * Chunk;
            MapRange<TOp>(x + first, y + first, Math.Min((long)end * Chunk, n) - first);
        }
    }

    /// <summary>Items [start, end) of Chunk elements of a binary map.</summary>
    private readonly struct BinaryJob<TOp>(float* a, float* b, float* y, long n, bool accumulate) : IRangeJob where TOp : IBinaryOp
    {
        public void Run(int start, int end)
        {
            long first = (long)start * Chunk;
            MapRange<TOp>(a + first, b + first, y + first, Math.Min((long)end * Chunk, n) - first, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MapRange<TOp>(float* x, float* y, long n) where TOp : IUnaryOp
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
            for (; i + 16 <= n; i += 16) Vector512.Store(TOp.Apply(Vector512.Load(x + i)), y + i);
        for (; i + 8 <= n; i += 8) Vector256.Store(TOp.Apply(Vector256.Load(x + i)), y + i);
        for (; i < n; i++) y[i] = TOp.Apply(x[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MapRange<TOp>(float* a, float* b, float* y, long n, bool accumulate) where TOp : IBinaryOp
    {
        long i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i + 16 <= n; i += 16)
            {
                var r = TOp.Apply(Vector512.Load(a + i), Vector512.Load(b + i));
                Vector512.Store(accumulate ? r + Vector512.Load(y + i) : r, y + i);
            }
        }
        for (; i + 8 <= n; i += 8)
        {
            var r = TOp.Apply(Vector256.Load(a + i), Vector256.Load(b + i));
            Vector256.Store(accumulate ? r + Vector256.Load(y + i) : r, y + i);
        }
        for (; i < n; i++) y[i] = accumulate ? y[i] + TOp.Apply(a[i], b[i]) : TOp.Apply(a[i], b[i]);
    }

    /// <summary>Sum of x[i] in float with a fixed vector-lane order (deterministic for a given n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Sum(float* x, long n, bool squares = false)
    {
        // Accumulate 8-lane partial sums in double so that long reductions (a gradient norm over 100M values)
        // lose nothing to rounding.
        var acc = Vector256<double>.Zero;
        var acc2 = Vector256<double>.Zero;
        long i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var v = Vector256.Load(x + i);
            if (squares) v *= v;
            var (lo, hi) = Vector256.Widen(v);
            acc += lo;
            acc2 += hi;
        }
        double s = Vector256.Sum(acc + acc2);
        for (; i < n; i++) s += squares ? (double)x[i] * x[i] : x[i];
        return s;
    }
}
