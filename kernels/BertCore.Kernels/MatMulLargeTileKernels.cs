using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertCore.Kernels;

/// <summary>
/// fp32 GEMM for large matrices, same contract and <see cref="GemmParams"/> as <see cref="MatMulKernels.Tiled"/>. One group of
/// 256 threads computes a 128×128 tile of c: each of its 8 warps a 32×64 block, each thread an 8×8 block
/// (<see cref="Block8x8"/>, four 4×4 quadrants 16 rows and 32 columns apart), so that each k costs a thread four 16-byte
/// shared-memory reads for 64 FMAs, and a warp's reads touch 4 (a) and 8 (b) distinct quads, one shared-memory wavefront
/// each. (Measured on the H100: 36.3 TFLOP/s at 4096³, against 35.3 with each warp a 16×128 block and 27.1 with 16-deep
/// slices, which need more registers.) Operand slices of 8 along K pass through shared memory stored k-major ([8, 128]),
/// double-buffered: the next slice is read from global memory into registers while the current one is multiplied, then
/// written to the other buffer, one barrier per slice. Each thread reads one group of four consecutive floats of a and of b
/// per slice: as one 16-byte load when the operand's contiguous dimension and offset are multiples of 4
/// (<see cref="GemmParams.VectorA"/>, <see cref="GemmParams.VectorB"/>), else as four bounds-checked loads.
/// Launch: grid (ceil(N/128), ceil(M/128), batch), group 256.
/// </summary>
public static class MatMulLargeTileKernels
{
    public const int Tile = 128;
    public const int Slice = 8;
    public const int Threads = 256;
    private const int QuadsPerSlice = Slice * Tile / 4;   // 256 groups of four floats per operand slice

    // a [batch, M, K] ([batch, K, M] if TransA); b [batch, K, N] ([batch, N, K] if TransB) or one shared matrix;
    // c, geluOut [batch, M, N]; bias [N] (ignored unless HasBias).
    public static void Tiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias,
        ArrayView<float> geluOut, GemmParams p)
    {
        var aTiles = SharedMemory.Allocate<Float4>(2 * QuadsPerSlice);   // two buffers of [Slice, Tile] floats
        var bTiles = SharedMemory.Allocate<Float4>(2 * QuadsPerSlice);
        var aFloats = aTiles.Cast<float>();
        var bFloats = bTiles.Cast<float>();
        // Warp w owns rows 32·(w / 2) .. +31 and columns 64·(w % 2) .. +63 of the tile; lane l within it rows
        // 4·(l / 8) + i and 16 + 4·(l / 8) + i, columns 4·(l % 8) + j and 32 + 4·(l % 8) + j. As quad indices in a
        // k-row of shared memory: a at aq and aq + 4, b at bq and bq + 8.
        int t = Group.IdxX, w = t / 32, l = t % 32;
        int aq = 8 * (w / 2) + l / 8, bq = 16 * (w % 2) + l % 8;
        int row0 = Grid.IdxY * Tile, col0 = Grid.IdxX * Tile, z = Grid.IdxZ;
        bool split = p.SplitDepth > 0;
        int kBegin = split ? z * p.SplitDepth : 0, kEnd = split ? XMath.Min(p.K, kBegin + p.SplitDepth) : p.K;
        long aBase = split ? 0 : z * p.StrideA, bBase = split ? 0 : z * p.StrideB, cBase = z * p.StrideC;
        var a4 = a.AsAligned16().Cast<Float4>();
        var b4 = b.AsAligned16().Cast<Float4>();

        // What this thread loads each slice. Row-major operand ([rows, K]): row t / 2, k 4·(t % 2) .. +3, stored transposed.
        // Column-major operand ([K, rows]): k t / 32, rows 4·(t % 32) .. +3, stored as is.
        var aQuad = Load(a, a4, p.TransA, p.VectorA, aBase, p.LdA, row0, p.M, kBegin, kEnd);
        var bQuad = Load(b, b4, 1 - p.TransB, p.VectorB, bBase, p.LdB, col0, p.N, kBegin, kEnd);
        Put(aTiles, aFloats, p.TransA, 0, aQuad);
        Put(bTiles, bFloats, 1 - p.TransB, 0, bQuad);
        Group.Barrier();

        var acc = default(Block8x8);
        int buffer = 0;
        for (int k0 = kBegin; k0 < kEnd; k0 += Slice)
        {
            bool more = k0 + Slice < kEnd;
            if (more)
            {
                aQuad = Load(a, a4, p.TransA, p.VectorA, aBase, p.LdA, row0, p.M, k0 + Slice, kEnd);
                bQuad = Load(b, b4, 1 - p.TransB, p.VectorB, bBase, p.LdB, col0, p.N, k0 + Slice, kEnd);
            }
            int s = buffer * QuadsPerSlice;
            Multiply(ref acc, aTiles, bTiles, s, 0, aq, bq); Multiply(ref acc, aTiles, bTiles, s, 1, aq, bq);
            Multiply(ref acc, aTiles, bTiles, s, 2, aq, bq); Multiply(ref acc, aTiles, bTiles, s, 3, aq, bq);
            Multiply(ref acc, aTiles, bTiles, s, 4, aq, bq); Multiply(ref acc, aTiles, bTiles, s, 5, aq, bq);
            Multiply(ref acc, aTiles, bTiles, s, 6, aq, bq); Multiply(ref acc, aTiles, bTiles, s, 7, aq, bq);
            if (more)
            {
                buffer = 1 - buffer;
                Put(aTiles, aFloats, p.TransA, buffer, aQuad);
                Put(bTiles, bFloats, 1 - p.TransB, buffer, bQuad);
            }
            Group.Barrier();
        }

        int i0 = row0 + 4 * aq, j0 = col0 + 4 * bq;
        for (int q = 0; q < 4; q++)
            for (int i = 0; i < 4; i++)
            {
                int row = i0 + i + (q >= 2 ? 16 : 0), col = j0 + (q % 2 == 1 ? 32 : 0);
                var v = acc.Row(q, i);
                MatMulKernels.Store(c, bias, geluOut, p, cBase, row, col, v.X);
                MatMulKernels.Store(c, bias, geluOut, p, cBase, row, col + 1, v.Y);
                MatMulKernels.Store(c, bias, geluOut, p, cBase, row, col + 2, v.Z);
                MatMulKernels.Store(c, bias, geluOut, p, cBase, row, col + 3, v.W);
            }
    }

    /// <summary>One k of the slice in buffer offset s: this thread's four quads of a and b, then 64 FMAs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Multiply(ref Block8x8 acc, ArrayView<Float4> aTiles, ArrayView<Float4> bTiles, int s, int k, int aq, int bq)
    {
        int at = s + k * (Tile / 4);
        acc.Add(aTiles[at + aq], aTiles[at + aq + 4], bTiles[at + bq], bTiles[at + bq + 8]);
    }

    /// <summary>
    /// The four floats this thread reads of one operand slice starting at k0 (k below <paramref name="depth"/> only). The
    /// operand is [rows, ·] when
    /// <paramref name="kMajor"/> is 0 (this thread: row first + t / 2, k k0 + 4·(t % 2) + 0..3) and [depth, rows] when 1
    /// (k k0 + t / 32, rows first + 4·(t % 32) + 0..3) when [·, rows], stored rows <paramref name="ld"/> elements apart; out-of-range
    /// elements read as 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Float4 Load(ArrayView<float> x, ArrayView<Float4> x4, int kMajor, int vector, long xBase, int ld, int first, int rows,
        int k0, int depth)
    {
        int t = Group.IdxX;
        if (kMajor == 0)
        {
            int r = first + t / 2, k = k0 + 4 * (t % 2);
            long at = xBase + (long)r * ld + k;
            if (vector != 0) return r < rows && k < depth ? x4[at / 4] : default;
            return new Float4(
                r < rows && k < depth ? x[at] : 0f, r < rows && k + 1 < depth ? x[at + 1] : 0f,
                r < rows && k + 2 < depth ? x[at + 2] : 0f, r < rows && k + 3 < depth ? x[at + 3] : 0f);
        }
        else
        {
            int k = k0 + t / 32, r = first + 4 * (t % 32);
            long at = xBase + (long)k * ld + r;
            if (vector != 0) return k < depth && r < rows ? x4[at / 4] : default;
            return new Float4(
                k < depth && r < rows ? x[at] : 0f, k < depth && r + 1 < rows ? x[at + 1] : 0f,
                k < depth && r + 2 < rows ? x[at + 2] : 0f, k < depth && r + 3 < rows ? x[at + 3] : 0f);
        }
    }

    /// <summary>Writes what <see cref="Load"/> read into shared buffer <paramref name="buffer"/>, k-major ([Slice, Tile]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(ArrayView<Float4> tiles, ArrayView<float> floats, int kMajor, int buffer, Float4 v)
    {
        int t = Group.IdxX;
        if (kMajor == 0)
        {
            int at = buffer * Slice * Tile + 4 * (t % 2) * Tile + t / 2;
            floats[at] = v.X;
            floats[at + Tile] = v.Y;
            floats[at + 2 * Tile] = v.Z;
            floats[at + 3 * Tile] = v.W;
        }
        else
        {
            tiles[buffer * QuadsPerSlice + t] = v;   // k = t / 32, rows 4·(t % 32): quad t of the slice
        }
    }

    /// <summary>
    /// The second half of a split-K product: c = Σ_s partial[s] (in order of s, so deterministic) + bias + beta·c, then
    /// gelu into geluOut. Each thread owns four consecutive elements, read from every split in 16-byte loads when M·N is a
    /// multiple of 4. partial [splits, M, N]; c, geluOut [M, N]; bias [N]. Launch: ceil(M·N / 4) threads in groups of any size.
    /// </summary>
    public static void SumSplits(ArrayView<float> partial, ArrayView<float> c, ArrayView<float> bias, ArrayView<float> geluOut,
        GemmParams p, int splits)
    {
        long count = (long)p.M * p.N, first = 4L * Grid.GlobalIndex.X;
        if (first >= count) return;
        var sum = default(Float4);
        if (count % 4 == 0)
        {
            var partial4 = partial.AsAligned16().Cast<Float4>();
            for (int split = 0; split < splits; split++)
            {
                var v = partial4[(split * count + first) / 4];
                sum = new Float4(sum.X + v.X, sum.Y + v.Y, sum.Z + v.Z, sum.W + v.W);
            }
        }
        else
        {
            for (int split = 0; split < splits; split++)
            {
                long at = split * count + first;
                sum = new Float4(sum.X + partial[at], sum.Y + (first + 1 < count ? partial[at + 1] : 0f),
                    sum.Z + (first + 2 < count ? partial[at + 2] : 0f), sum.W + (first + 3 < count ? partial[at + 3] : 0f));
            }
        }
        StoreAt(c, bias, geluOut, p, first, sum.X);
        StoreAt(c, bias, geluOut, p, first + 1, sum.Y);
        StoreAt(c, bias, geluOut, p, first + 2, sum.Z);
        StoreAt(c, bias, geluOut, p, first + 3, sum.W);
    }

    /// <summary>The epilogue of flat element <paramref name="at"/> of c (nothing past M·N).</summary>
    private static void StoreAt(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> geluOut, in GemmParams p, long at, float value)
    {
        if (at < (long)p.M * p.N) MatMulKernels.Store(c, bias, geluOut, p, 0, (int)(at / p.N), (int)(at % p.N), value);
    }
}
