using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>A thread's 4×4 register block of a 64×64 tile: rows ty, ty + 16, ty + 32, ty + 48 (R0..R3), each a
/// <see cref="Float4"/> of columns tx + 16·s.</summary>
public struct Block
{
    public Float4 R0, R1, R2, R3;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row(int r) => r == 0 ? R0 : r == 1 ? R1 : r == 2 ? R2 : R3;

    /// <summary>This block with row r replaced by v.</summary>
    public readonly Block WithRow(int r, Float4 v) => new()
    {
        R0 = r == 0 ? v : R0, R1 = r == 1 ? v : R1, R2 = r == 2 ? v : R2, R3 = r == 3 ? v : R3,
    };

    /// <summary>acc + x ⊗ y: row r gains x's component r times y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block Outer(Block acc, Float4 x, Float4 y) => new()
    {
        R0 = Float4.MulAdd(acc.R0, x.X, y), R1 = Float4.MulAdd(acc.R1, x.Y, y),
        R2 = Float4.MulAdd(acc.R2, x.Z, y), R3 = Float4.MulAdd(acc.R3, x.W, y),
    };

    /// <summary>Every element of row r equal to v's component r (a per-row value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block FromRows(Float4 v) => new()
    {
        R0 = Float4.Splat(v.X), R1 = Float4.Splat(v.Y), R2 = Float4.Splat(v.Z), R3 = Float4.Splat(v.W),
    };

    /// <summary>Every row equal to v (a per-column value).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block FromColumns(Float4 v) => new() { R0 = v, R1 = v, R2 = v, R3 = v };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block Add(Block a, Block b) => new()
    {
        R0 = Float4.Add(a.R0, b.R0), R1 = Float4.Add(a.R1, b.R1), R2 = Float4.Add(a.R2, b.R2), R3 = Float4.Add(a.R3, b.R3),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block Sub(Block a, Block b) => new()
    {
        R0 = Float4.Sub(a.R0, b.R0), R1 = Float4.Sub(a.R1, b.R1), R2 = Float4.Sub(a.R2, b.R2), R3 = Float4.Sub(a.R3, b.R3),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block Mul(Block a, Block b) => new()
    {
        R0 = Float4.Mul(a.R0, b.R0), R1 = Float4.Mul(a.R1, b.R1), R2 = Float4.Mul(a.R2, b.R2), R3 = Float4.Mul(a.R3, b.R3),
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Block Exp(Block a) => new() { R0 = Float4.Exp(a.R0), R1 = Float4.Exp(a.R1), R2 = Float4.Exp(a.R2), R3 = Float4.Exp(a.R3) };

    /// <summary>Each row's sum over this thread's four columns.</summary>
    public readonly Float4 RowSums() => new(R0.Sum(), R1.Sum(), R2.Sum(), R3.Sum());
}

/// <summary>
/// The shared-memory steps of the attention kernels (<see cref="AttentionKernels"/>): groups of 256 threads,
/// thread t = 16·ty + tx, tiles of 64 rows of one (batch, head) of a [B, S, H·D] tensor.
/// </summary>
public static class AttentionTiles
{
    public const int Tile = 64;
    public const int Threads = 256;
    /// <summary>Rows per step of an accumulation.</summary>
    public const int Slice = 16;
    /// <summary>Head columns per step of a contraction.</summary>
    public const int Depth = 32;
    /// <summary>Row stride of a transposed slice: 65 spreads the transposing stores over the banks (at most 2-way conflicts).</summary>
    public const int Pad = Tile + 1;
    public const int SliceFloats = Depth * Pad;
    /// <summary>Head columns a group accumulates: heads wider than 64 take two groups per tile, one per half.</summary>
    public const int Columns = 64;
    public const int RowsFloats = Slice * Columns;

    /// <summary>
    /// a·bᵀ over the head for rows aRow0 .. aRow0+63 of a and bRow0 .. bRow0+63 of b (rows past the sequence read as 0):
    /// element (ty + 16r, tx + 16s) of the 64×64 result. Both operands pass through aTile, bTile [Depth, Pad]
    /// (tile[c·Pad + row]) 32 head columns at a time: thread (tx, ty) loads columns tx, tx + 16 of rows ty + 16k, so consecutive
    /// threads read consecutive columns, and fetches the next slice into registers while the current one is used.
    /// a, b [B, S, H·D]; headBase: the offset of (batch, head) column 0 of row 0.
    /// </summary>
    public static Block Contract(ArrayView<float> a, int aRow0, ArrayView<float> b, int bRow0, ArrayView<float> aTile,
        ArrayView<float> bTile, long headBase, in AttentionParams p)
    {
        int t = Group.IdxX, tx = t % 16, ty = t / 16;
        var acc = default(Block);
        var aNext = Fetch(a, headBase, aRow0 + ty, tx, p);
        var aNext16 = Fetch(a, headBase, aRow0 + ty, tx + 16, p);
        var bNext = Fetch(b, headBase, bRow0 + ty, tx, p);
        var bNext16 = Fetch(b, headBase, bRow0 + ty, tx + 16, p);
        for (int c0 = 0; c0 < p.HeadDim; c0 += Depth)
        {
            Group.Barrier();
            Put(aTile, tx * Pad + ty, aNext);
            Put(aTile, (tx + 16) * Pad + ty, aNext16);
            Put(bTile, tx * Pad + ty, bNext);
            Put(bTile, (tx + 16) * Pad + ty, bNext16);
            Group.Barrier();
            if (c0 + Depth < p.HeadDim)
            {
                aNext = Fetch(a, headBase, aRow0 + ty, c0 + Depth + tx, p);
                aNext16 = Fetch(a, headBase, aRow0 + ty, c0 + Depth + 16 + tx, p);
                bNext = Fetch(b, headBase, bRow0 + ty, c0 + Depth + tx, p);
                bNext16 = Fetch(b, headBase, bRow0 + ty, c0 + Depth + 16 + tx, p);
            }
            // Columns past the head hold zeros: all 32 are summed, four per iteration (unrolled by hand).
            for (int c = 0; c < Depth; c += 4)
            {
                int at = c * Pad;
                acc = Block.Outer(acc, Float4.Load(aTile, at + ty), Float4.Load(bTile, at + tx));
                acc = Block.Outer(acc, Float4.Load(aTile, at + Pad + ty), Float4.Load(bTile, at + Pad + tx));
                acc = Block.Outer(acc, Float4.Load(aTile, at + 2 * Pad + ty), Float4.Load(bTile, at + 2 * Pad + tx));
                acc = Block.Outer(acc, Float4.Load(aTile, at + 3 * Pad + ty), Float4.Load(bTile, at + 3 * Pad + tx));
            }
        }
        return acc;
    }

    /// <summary>x at rows row, row + 16, row + 32, row + 48 and one head column; 0 past the sequence or the head.</summary>
    private static Float4 Fetch(ArrayView<float> x, long headBase, int row, int column, in AttentionParams p)
    {
        bool inHead = column < p.HeadDim;
        long at = headBase + (long)row * p.Width + column, step = 16L * p.Width;
        return new(inHead && row < p.Seq ? x[at] : 0f, inHead && row + 16 < p.Seq ? x[at + step] : 0f,
            inHead && row + 32 < p.Seq ? x[at + 2 * step] : 0f, inHead && row + 48 < p.Seq ? x[at + 3 * step] : 0f);
    }

    /// <summary>tile[at], tile[at + 16], tile[at + 32], tile[at + 48] = v.</summary>
    private static void Put(ArrayView<float> tile, int at, Float4 v)
    {
        tile[at] = v.X;
        tile[at + 16] = v.Y;
        tile[at + 32] = v.Z;
        tile[at + 48] = v.W;
    }

    /// <summary>tile[r·64 + c] = x[row0 + r, column0 + c] for r &lt; 16, c &lt; 64: thread t loads column t mod 64 of
    /// rows t / 64 + 4k, so consecutive threads read consecutive columns; rows past the sequence and columns past the
    /// head read as 0. Call between barriers.</summary>
    public static void LoadRows(ArrayView<float> x, ArrayView<float> tile, long headBase, int row0, int column0, in AttentionParams p)
    {
        int t = Group.IdxX, r = t / Columns, c = t % Columns;
        bool inHead = column0 + c < p.HeadDim;
        long at = headBase + (long)(row0 + r) * p.Width + column0 + c, step = 4L * p.Width;
        int row = row0 + r;
        tile[t] = inHead && row < p.Seq ? x[at] : 0f;
        tile[t + Threads] = inHead && row + 4 < p.Seq ? x[at + step] : 0f;
        tile[t + 2 * Threads] = inHead && row + 8 < p.Seq ? x[at + 2 * step] : 0f;
        tile[t + 3 * Threads] = inHead && row + 12 < p.Seq ? x[at + 3 * step] : 0f;
    }

    /// <summary>
    /// acc += w · rows for one 16-row slice: w is the thread's column slot s of a 64×64 weight block (weights of
    /// rows ty + 16r in w.X .. w.W, each lane holding column tx + 16s), broadcast over the half-warp by shuffles;
    /// rows the slice loaded by <see cref="LoadRows"/>; acc holds rows ty + 16r, columns tx + 16c of the result.
    /// Sums the 16 rows in order.
    /// </summary>
    public static Block Accumulate(Block acc, Float4 w, ArrayView<float> rows)
    {
        int half = Warp.LaneIdx & 16, tx = Group.IdxX % 16;
        for (int u = 0; u < Slice; u += 4)   // four rows per iteration, unrolled by hand
        {
            acc = Block.Outer(acc, Broadcast(w, half | u), Float4.Load(rows, u * Columns + tx));
            acc = Block.Outer(acc, Broadcast(w, half | (u + 1)), Float4.Load(rows, (u + 1) * Columns + tx));
            acc = Block.Outer(acc, Broadcast(w, half | (u + 2)), Float4.Load(rows, (u + 2) * Columns + tx));
            acc = Block.Outer(acc, Broadcast(w, half | (u + 3)), Float4.Load(rows, (u + 3) * Columns + tx));
        }
        return acc;
    }

    /// <summary>Lane <paramref name="source"/>'s w.</summary>
    private static Float4 Broadcast(Float4 w, int source) =>
        new(Warp.Shuffle(w.X, source), Warp.Shuffle(w.Y, source), Warp.Shuffle(w.Z, source), Warp.Shuffle(w.W, source));

    /// <summary>The weights of column slot s of every row: (R0.At(s), R1.At(s), R2.At(s), R3.At(s)).</summary>
    public static Float4 Column(Block b, int s) => new(b.R0.At(s), b.R1.At(s), b.R2.At(s), b.R3.At(s));

    /// <summary>The maximum over the 16 lanes of a half-warp, in each of them.</summary>
    public static float HalfWarpMax(float value)
    {
        for (int mask = 8; mask > 0; mask >>= 1) value = XMath.Max(value, Warp.ShuffleXor(value, mask));
        return value;
    }

    /// <summary>The sum over the 16 lanes of a half-warp, in each of them.</summary>
    public static float HalfWarpSum(float value)
    {
        for (int mask = 8; mask > 0; mask >>= 1) value += Warp.ShuffleXor(value, mask);
        return value;
    }

    /// <summary>Writes (or, when add is set, adds) a thread's share of rows row0 .. row0+63, columns column0 .. column0+63
    /// of x; rows past the sequence and columns past the head are skipped. x [B, S, H·D].</summary>
    public static void Store(ArrayView<float> x, Block value, long headBase, int row0, int column0, bool add, in AttentionParams p)
    {
        int t = Group.IdxX, tx = t % 16, ty = t / 16;
        for (int r = 0; r < 4; r++)
        {
            int row = row0 + ty + 16 * r;
            if (row >= p.Seq) return;
            long at = headBase + (long)row * p.Width;
            var v = value.Row(r);
            for (int s = 0; s < 4; s++)
            {
                int c = column0 + tx + 16 * s;
                if (c >= p.HeadDim) break;
                x[at + c] = add ? x[at + c] + v.At(s) : v.At(s);
            }
        }
    }
}
