using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>
/// The int8 micro-kernel: a tile of up to <see cref="MR"/> rows of quantized activations (u8, row stride lda,
/// K4 = 4·quads deep) against one packed 16-column weight sliver (s8, <see cref="QuantizedWeights"/>), summed exactly
/// in int32 accumulators: acc [MR, 16] (row-major) = Σ_k a[r, k] · w[k, j]. Rows past <c>rows</c> repeat the last row
/// (their sums are computed and ignored), so every path runs full tiles. No path can overflow or saturate: the
/// weights have 7 bits (<see cref="QuantizedWeights.MaxMagnitude"/>), so vpmaddubsw's int16 pair sums stay below
/// 2 · 255 · 63 = 32,130, and |acc| ≤ 255 · 63 · K fits int32 for K below 133,000.
/// </summary>
internal static unsafe class Int8Kernel
{
    /// <summary>Rows per tile.</summary>
    public const int MR = 6;

    /// <summary>Columns per tile: one weight sliver.</summary>
    public const int NR = QuantizedWeights.SliverColumns;

    /// <summary>Runs one tile on <paramref name="path"/>: a [rows ≤ MR, 4·quads] u8 (stride lda); b one sliver
    /// [quads, 16, 4] s8; acc [MR, 16] int32, overwritten.</summary>
    public static void Tile(Int8Path path, int quads, byte* a, long lda, int rows, sbyte* b, int* acc)
    {
        switch (path)
        {
            case Int8Path.Avx2: TileAvx2(quads, a, lda, rows, b, acc); break;
            case Int8Path.Avx512BW: TileAvx512BW(quads, a, lda, rows, b, acc); break;
            case Int8Path.AvxVnni: TileAvxVnni(quads, a, lda, rows, b, acc); break;
            default: TileScalar(quads, a, lda, rows, b, acc); break;
        }
    }

    /// <summary>Row r of the tile, or the last real row for r ≥ rows.</summary>
    private static byte* Row(byte* a, long lda, int rows, int r) => a + Math.Min(r, rows - 1) * lda;

    private static void TileScalar(int quads, byte* a, long lda, int rows, sbyte* b, int* acc)
    {
        for (int r = 0; r < MR; r++)
        {
            byte* ar = Row(a, lda, rows, r);
            for (int j = 0; j < NR; j++)
            {
                int sum = 0;
                for (int q = 0; q < quads; q++)
                {
                    sbyte* w = b + (q * NR + j) * 4;
                    byte* x = ar + q * 4;
                    sum += x[0] * w[0] + x[1] * w[1] + x[2] * w[2] + x[3] * w[3];
                }
                acc[r * NR + j] = sum;
            }
        }
    }

    /// <summary>Four u8 of row a at quad q, repeated in every 32-bit lane.</summary>
    private static Vector256<byte> Broadcast256(byte* a, int q) => Vector256.Create(*(int*)(a + q * 4)).AsByte();

    private static Vector512<byte> Broadcast512(byte* a, int q) => Vector512.Create(*(int*)(a + q * 4)).AsByte();

    /// <summary>Σ of four u8 × s8 products per int32 lane, with vpmaddubsw and vpmaddwd (exact: see the class summary).</summary>
    private static Vector256<int> Dot4(Vector256<byte> a, Vector256<sbyte> b, Vector256<short> ones) =>
        Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(a, b), ones);

    private static Vector512<int> Dot4(Vector512<byte> a, Vector512<sbyte> b, Vector512<short> ones) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(a, b), ones);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileAvx2(int quads, byte* a, long lda, int rows, sbyte* b, int* acc)
    {
        byte* a0 = Row(a, lda, rows, 0), a1 = Row(a, lda, rows, 1), a2 = Row(a, lda, rows, 2);
        byte* a3 = Row(a, lda, rows, 3), a4 = Row(a, lda, rows, 4), a5 = Row(a, lda, rows, 5);
        var ones = Vector256.Create((short)1);
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int q = 0; q < quads; q++, b += 4 * NR)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var x = Broadcast256(a0, q);
            c00 += Dot4(x, b0, ones); c01 += Dot4(x, b1, ones);
            x = Broadcast256(a1, q);
            c10 += Dot4(x, b0, ones); c11 += Dot4(x, b1, ones);
            x = Broadcast256(a2, q);
            c20 += Dot4(x, b0, ones); c21 += Dot4(x, b1, ones);
            x = Broadcast256(a3, q);
            c30 += Dot4(x, b0, ones); c31 += Dot4(x, b1, ones);
            x = Broadcast256(a4, q);
            c40 += Dot4(x, b0, ones); c41 += Dot4(x, b1, ones);
            x = Broadcast256(a5, q);
            c50 += Dot4(x, b0, ones); c51 += Dot4(x, b1, ones);
        }
        Store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileAvxVnni(int quads, byte* a, long lda, int rows, sbyte* b, int* acc)
    {
        byte* a0 = Row(a, lda, rows, 0), a1 = Row(a, lda, rows, 1), a2 = Row(a, lda, rows, 2);
        byte* a3 = Row(a, lda, rows, 3), a4 = Row(a, lda, rows, 4), a5 = Row(a, lda, rows, 5);
        Vector256<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<int> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int q = 0; q < quads; q++, b += 4 * NR)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 32);
            var x = Broadcast256(a0, q);
            c00 = AvxVnni.MultiplyWideningAndAdd(c00, x, b0); c01 = AvxVnni.MultiplyWideningAndAdd(c01, x, b1);
            x = Broadcast256(a1, q);
            c10 = AvxVnni.MultiplyWideningAndAdd(c10, x, b0); c11 = AvxVnni.MultiplyWideningAndAdd(c11, x, b1);
            x = Broadcast256(a2, q);
            c20 = AvxVnni.MultiplyWideningAndAdd(c20, x, b0); c21 = AvxVnni.MultiplyWideningAndAdd(c21, x, b1);
            x = Broadcast256(a3, q);
            c30 = AvxVnni.MultiplyWideningAndAdd(c30, x, b0); c31 = AvxVnni.MultiplyWideningAndAdd(c31, x, b1);
            x = Broadcast256(a4, q);
            c40 = AvxVnni.MultiplyWideningAndAdd(c40, x, b0); c41 = AvxVnni.MultiplyWideningAndAdd(c41, x, b1);
            x = Broadcast256(a5, q);
            c50 = AvxVnni.MultiplyWideningAndAdd(c50, x, b0); c51 = AvxVnni.MultiplyWideningAndAdd(c51, x, b1);
        }
        Store(acc, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TileAvx512BW(int quads, byte* a, long lda, int rows, sbyte* b, int* acc)
    {
        byte* a0 = Row(a, lda, rows, 0), a1 = Row(a, lda, rows, 1), a2 = Row(a, lda, rows, 2);
        byte* a3 = Row(a, lda, rows, 3), a4 = Row(a, lda, rows, 4), a5 = Row(a, lda, rows, 5);
        var ones = Vector512.Create((short)1);
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        for (int q = 0; q < quads; q++, b += 4 * NR)
        {
            var w = Vector512.Load(b);
            c0 += Dot4(Broadcast512(a0, q), w, ones);
            c1 += Dot4(Broadcast512(a1, q), w, ones);
            c2 += Dot4(Broadcast512(a2, q), w, ones);
            c3 += Dot4(Broadcast512(a3, q), w, ones);
            c4 += Dot4(Broadcast512(a4, q), w, ones);
            c5 += Dot4(Broadcast512(a5, q), w, ones);
        }
        Vector512.Store(c0, acc);
        Vector512.Store(c1, acc + NR);
        Vector512.Store(c2, acc + 2 * NR);
        Vector512.Store(c3, acc + 3 * NR);
        Vector512.Store(c4, acc + 4 * NR);
        Vector512.Store(c5, acc + 5 * NR);
    }

    /// <summary>Stores six rows of two 8-lane halves into acc [6, 16].</summary>
    private static void Store(int* acc, Vector256<int> c00, Vector256<int> c01, Vector256<int> c10, Vector256<int> c11,
        Vector256<int> c20, Vector256<int> c21, Vector256<int> c30, Vector256<int> c31, Vector256<int> c40, Vector256<int> c41,
        Vector256<int> c50, Vector256<int> c51)
    {
        Vector256.Store(c00, acc); Vector256.Store(c01, acc + 8);
        Vector256.Store(c10, acc + 16); Vector256.Store(c11, acc + 24);
        Vector256.Store(c20, acc + 32); Vector256.Store(c21, acc + 40);
        Vector256.Store(c30, acc + 48); Vector256.Store(c31, acc + 56);
        Vector256.Store(c40, acc + 64); Vector256.Store(c41, acc + 72);
        Vector256.Store(c50, acc + 80); Vector256.Store(c51, acc + 88);
    }
}
