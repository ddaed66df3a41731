using System.Reflection;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace BertCore.Kernels;

/// <summary>
/// Sizes and options of an attention launch. Tensors are [Batch, Seq, Heads·HeadDim] with head h in columns
/// h·HeadDim ..; the dropout multiplier of probability (b, h, i, j) comes from the counter RNG at
/// Offset + ((b·Heads + h)·Seq + i)·Seq + j (P = 0: no dropout). HasMask: mask [Batch, Seq] over keys (0 = pad).
/// </summary>
public readonly record struct AttentionParams(int Batch, int Seq, int Heads, int HeadDim, float Scale, float P, ulong Seed,
    ulong Offset, int HasMask)
{
    /// <summary>A group accumulates 64 head columns; wider heads take two groups per tile: HeadDim ≤ 128.</summary>
    public const int MaxHeadDim = 128;

    public int Width => Heads * HeadDim;
}

/// <summary>
/// Fused scaled-dot-product attention, FlashAttention style without an S×S buffer. A group of 256 threads takes one
/// (batch, head) and a tile of 64 query rows (forward, dq) or 64 key rows (dk, dv), and walks the other side's rows
/// in tiles of 64: each 64×64 score tile is a contraction over the head through shared memory (32 columns at a time,
/// <see cref="AttentionTiles.Contract"/>), held as a 4×4 register block per thread (rows ty + 16r, columns tx + 16s);
/// the softmax is online (per-row running max over the half-warp that shares a row, per-thread partial sums, the
/// output rescaled when the max grows); the tile's weights reach the half-warp by shuffles while 16 rows of v (or k,
/// q, dO) at a time sit in shared memory, and each thread accumulates rows ty + 16r, columns tx + 16c of the result
/// in registers (<see cref="AttentionTiles.Accumulate"/>). The forward saves only logSumExp [B, H, S]; the backward
/// rebuilds each probability from it. With P = softmax(S), m the dropout multiplier, O = (P⊙m)·v and
/// Δ_i = Σ_c dO_ic·O_ic: dv_j += Σ_i P_ij m_ij dO_i; dS_ij = P_ij (m_ij dO_i·v_j − Δ_i)·scale; dq_i += Σ_j dS_ij k_j;
/// dk_j += Σ_i dS_ij q_i. Every sum runs over the other side's rows in order, without atomics. A head wider than 64
/// takes two groups per tile, each accumulating 64 of its columns (the scores are computed by both).
/// Launch (Forward, BackwardQuery, BackwardKeyValue): grid <see cref="Groups"/> = halves·tiles·B·H, group 256; group g
/// takes head columns 64·(g mod halves) .., rows 64·((g / halves) mod tiles) .. of (batch, head) g / (halves·tiles).
/// Delta: one warp per row, as a row kernel.
/// </summary>
public static class AttentionKernels
{
    /// <summary>The kernels launched in tiles of 256 threads (Forward, BackwardQuery, BackwardKeyValue): the ones a
    /// <see cref="LaunchBound"/> applies to.</summary>
    public static IReadOnlyList<MethodInfo> Tiled { get; } =
        [.. new[] { nameof(Forward), nameof(BackwardQuery), nameof(BackwardKeyValue) }.Select(n => typeof(AttentionKernels).GetMethod(n)!)];

    /// <summary>
    /// The launch bound of the tiled kernels that asks ptxas to keep <paramref name="groupsPerMultiprocessor"/> groups
    /// of <see cref="AttentionTiles.Threads"/> threads resident on one multiprocessor (ILGPU writes <c>.maxntid 256, 1, 1</c>
    /// and <c>.minnctapersm</c>): at 2, at most 128 registers a thread of the 65,536 a multiprocessor has, where unbounded
    /// ptxas took 177 (forward) to 255 (backward) and so ran one group per multiprocessor. 0: no bound.
    /// </summary>
    public static KernelSpecialization LaunchBound(int groupsPerMultiprocessor) =>
        groupsPerMultiprocessor <= 0 ? default : new KernelSpecialization(AttentionTiles.Threads, groupsPerMultiprocessor);

    /// <summary>Groups of a tiled launch.</summary>
    public static int Groups(in AttentionParams p) => Halves(p) * Tiles(p) * p.Batch * p.Heads;

    private static int Tiles(in AttentionParams p) => (p.Seq + AttentionTiles.Tile - 1) / AttentionTiles.Tile;

    private static int Halves(in AttentionParams p) => (p.HeadDim + AttentionTiles.Columns - 1) / AttentionTiles.Columns;

    /// <summary>This group's (batch·H + head, first row of its tile, first head column it accumulates).</summary>
    private static (int Bh, int Row0, int Column0) GroupTile(in AttentionParams p)
    {
        int halves = Halves(p), tiles = Tiles(p), g = Grid.IdxX, rest = g / halves;
        return (rest / tiles, rest % tiles * AttentionTiles.Tile, g % halves * AttentionTiles.Columns);
    }

    /// <summary>The offset of column 0 of (batch, head)'s row 0 in a [B, S, H·D] tensor.</summary>
    private static long HeadBase(in AttentionParams p, int bh) =>
        (long)(bh / p.Heads) * p.Seq * p.Width + (long)(bh % p.Heads) * p.HeadDim;

    /// <summary>What a score of key j gains: 0, float.MinValue for a padded key, −∞ past the sequence.</summary>
    private static float KeyBias(ArrayView<int> mask, in AttentionParams p, int b, int j) =>
        j >= p.Seq ? float.NegativeInfinity : p.HasMask != 0 && mask[b * p.Seq + j] == 0 ? float.MinValue : 0f;

    /// <summary>The key biases of keys j, j + 16, j + 32, j + 48.</summary>
    private static Float4 KeyBiases(ArrayView<int> mask, in AttentionParams p, int b, int j) =>
        new(KeyBias(mask, p, b, j), KeyBias(mask, p, b, j + 16), KeyBias(mask, p, b, j + 32), KeyBias(mask, p, b, j + 48));

    /// <summary>stat[(b·H + h)·S + i] for rows i, i + 16, i + 32, i + 48 of (batch, head) bh; past the sequence, missing.</summary>
    private static Float4 RowStats(ArrayView<float> stat, in AttentionParams p, int bh, int i, float missing)
    {
        long at = (long)bh * p.Seq;
        return new(i < p.Seq ? stat[at + i] : missing, i + 16 < p.Seq ? stat[at + i + 16] : missing,
            i + 32 < p.Seq ? stat[at + i + 32] : missing, i + 48 < p.Seq ? stat[at + i + 48] : missing);
    }

    private static float Multiplier(in AttentionParams p, int bh, int i, int j) =>
        DeviceRng.Multiplier(p.P, p.Seed, p.Offset + (ulong)(((long)bh * p.Seq + i) * p.Seq + j));

    /// <summary>The dropout multipliers of a block whose rows are queries i0 + 16r and columns keys j0 + 16s
    /// (transposed: rows keys j0 + 16r, columns queries i0 + 16s). One row at a time, to keep few hashes live.</summary>
    private static Block Multipliers(in AttentionParams p, int bh, int row0, int column0, bool transposed)
    {
        var m = default(Block);
        for (int r = 0; r < 4; r++) m = m.WithRow(r, RowMultipliers(p, bh, row0 + 16 * r, column0, transposed));
        return m;
    }

    private static Float4 RowMultipliers(in AttentionParams p, int bh, int row, int column, bool transposed) => transposed
        ? new(Multiplier(p, bh, column, row), Multiplier(p, bh, column + 16, row), Multiplier(p, bh, column + 32, row),
            Multiplier(p, bh, column + 48, row))
        : new(Multiplier(p, bh, row, column), Multiplier(p, bh, row, column + 16), Multiplier(p, bh, row, column + 32),
            Multiplier(p, bh, row, column + 48));

    // q, k, v, output [B, S, H·D]; mask I32 [B, S] (read when HasMask); logSumExp [B, H, S]
    public static void Forward(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> output, ArrayView<float> logSumExp, AttentionParams p)
    {
        var qTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var kTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var vRows = SharedMemory.Allocate<float>(AttentionTiles.RowsFloats);    // [Slice, Columns]
        var (bh, i0, column0) = GroupTile(p);
        int tx = Group.IdxX % 16, ty = Group.IdxX / 16, b = bh / p.Heads;
        long headBase = HeadBase(p, bh);
        var runMax = Float4.Splat(float.NegativeInfinity);
        var runSum = default(Float4);   // this thread's columns only; summed over the half-warp at the end
        var o = default(Block);
        for (int j0 = 0; j0 < p.Seq; j0 += AttentionTiles.Tile)
        {
            var dot = AttentionTiles.Contract(q, i0, k, j0, qTile, kTile, headBase, p);
            var s = Block.Add(Block.Mul(dot, Block.FromColumns(Float4.Splat(p.Scale))), Block.FromColumns(KeyBiases(mask, p, b, j0 + tx)));
            var newMax = Float4.Max(runMax, new Float4(AttentionTiles.HalfWarpMax(s.R0.Largest()), AttentionTiles.HalfWarpMax(s.R1.Largest()),
                AttentionTiles.HalfWarpMax(s.R2.Largest()), AttentionTiles.HalfWarpMax(s.R3.Largest())));
            var rescale = Float4.Exp(Float4.Sub(runMax, newMax));
            var e = Block.Exp(Block.Sub(s, Block.FromRows(newMax)));
            runSum = Float4.Add(Float4.Mul(runSum, rescale), e.RowSums());
            o = Block.Mul(o, Block.FromRows(rescale));
            runMax = newMax;
            if (p.P > 0f) e = Block.Mul(e, Multipliers(p, bh, i0 + ty, j0 + tx, transposed: false));
            for (int slot = 0; slot < 4 && j0 + 16 * slot < p.Seq; slot++)
            {
                Group.Barrier();
                AttentionTiles.LoadRows(v, vRows, headBase, j0 + 16 * slot, column0, p);
                Group.Barrier();
                o = AttentionTiles.Accumulate(o, AttentionTiles.Column(e, slot), vRows);
            }
        }
        var sum = new Float4(AttentionTiles.HalfWarpSum(runSum.X), AttentionTiles.HalfWarpSum(runSum.Y),
            AttentionTiles.HalfWarpSum(runSum.Z), AttentionTiles.HalfWarpSum(runSum.W));
        var inverse = Block.FromRows(new Float4(1f / sum.X, 1f / sum.Y, 1f / sum.Z, 1f / sum.W));
        AttentionTiles.Store(output, Block.Mul(o, inverse), headBase, i0, column0, add: false, p);
        for (int r = 0; r < 4; r++)
        {
            int i = i0 + ty + 16 * r;
            if (column0 == 0 && tx == 0 && i < p.Seq) logSumExp[(long)bh * p.Seq + i] = runMax.At(r) + XMath.Log(sum.At(r));
        }
    }

    private static int WarpRow() => Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;

    /// <summary>delta[(b·H + h)·S + i] = Σ_c dOutput·output over the head's columns, one warp per row. output,
    /// dOutput [B, S, H·D]; delta [B, H, S]. Launch: grid ceil(B·H·S / (group / 32)), group a multiple of 32.</summary>
    public static void Delta(ArrayView<float> output, ArrayView<float> dOutput, ArrayView<float> delta, AttentionParams p)
    {
        int index = WarpRow(), lane = Warp.LaneIdx;
        if (index >= p.Batch * p.Heads * p.Seq) return;
        int i = index % p.Seq, bh = index / p.Seq, h = bh % p.Heads, b = bh / p.Heads;
        long row = ((long)b * p.Seq + i) * p.Width + (long)h * p.HeadDim;
        float s = 0f;
        for (int c = lane; c < p.HeadDim; c += Warp.WarpSize) s += dOutput[row + c] * output[row + c];
        s = DeviceMath.WarpSum(s);
        if (lane == 0) delta[index] = s;
    }

    /// <summary>dq_i += Σ_j dS_ij k_j for a tile of 64 query rows. q, k, v, dOutput, dq [B, S, H·D]; mask [B, S];
    /// logSumExp, delta [B, H, S].</summary>
    public static void BackwardQuery(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> logSumExp, ArrayView<float> delta, ArrayView<float> dOutput, ArrayView<float> dq, AttentionParams p)
    {
        var aTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var bTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var kRows = SharedMemory.Allocate<float>(AttentionTiles.RowsFloats);    // [Slice, Columns]
        var (bh, i0, column0) = GroupTile(p);
        int tx = Group.IdxX % 16, ty = Group.IdxX / 16, b = bh / p.Heads;
        long headBase = HeadBase(p, bh);
        var lse = Block.FromRows(RowStats(logSumExp, p, bh, i0 + ty, 0f));
        var rowDelta = Block.FromRows(RowStats(delta, p, bh, i0 + ty, 0f));
        var scale = Block.FromColumns(Float4.Splat(p.Scale));
        var g = default(Block);
        for (int j0 = 0; j0 < p.Seq; j0 += AttentionTiles.Tile)
        {
            var s = Block.Add(Block.Mul(AttentionTiles.Contract(q, i0, k, j0, aTile, bTile, headBase, p), scale),
                Block.FromColumns(KeyBiases(mask, p, b, j0 + tx)));
            var prob = Block.Exp(Block.Sub(s, lse));
            var dp = AttentionTiles.Contract(dOutput, i0, v, j0, aTile, bTile, headBase, p);
            if (p.P > 0f) dp = Block.Mul(dp, Multipliers(p, bh, i0 + ty, j0 + tx, transposed: false));
            var ds = Block.Mul(Block.Mul(prob, Block.Sub(dp, rowDelta)), scale);
            for (int slot = 0; slot < 4 && j0 + 16 * slot < p.Seq; slot++)
            {
                Group.Barrier();
                AttentionTiles.LoadRows(k, kRows, headBase, j0 + 16 * slot, column0, p);
                Group.Barrier();
                g = AttentionTiles.Accumulate(g, AttentionTiles.Column(ds, slot), kRows);
            }
        }
        AttentionTiles.Store(dq, g, headBase, i0, column0, add: true, p);
    }

    /// <summary>dk_j += Σ_i dS_ij q_i and dv_j += Σ_i P_ij m_ij dO_i for a tile of 64 key rows (hasDk, hasDv select
    /// the outputs). q, k, v, dOutput, dk, dv [B, S, H·D]; mask [B, S]; logSumExp, delta [B, H, S].</summary>
    public static void BackwardKeyValue(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> logSumExp, ArrayView<float> delta, ArrayView<float> dOutput, ArrayView<float> dk, int hasDk,
        ArrayView<float> dv, int hasDv, AttentionParams p)
    {
        var aTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var bTile = SharedMemory.Allocate<float>(AttentionTiles.SliceFloats);   // [Depth, Pad]
        var qRows = SharedMemory.Allocate<float>(AttentionTiles.RowsFloats);    // [Slice, Columns]
        var dORows = SharedMemory.Allocate<float>(AttentionTiles.RowsFloats);   // [Slice, Columns]
        var (bh, j0, column0) = GroupTile(p);
        int tx = Group.IdxX % 16, ty = Group.IdxX / 16, b = bh / p.Heads;
        long headBase = HeadBase(p, bh);
        // Rows are keys j0 + ty + 16r, columns queries i0 + tx + 16s. Keys past the sequence are never stored.
        var keyBias = Block.FromRows(new Float4(KeyBias(mask, p, b, XMath.Min(j0 + ty, p.Seq - 1)),
            KeyBias(mask, p, b, XMath.Min(j0 + ty + 16, p.Seq - 1)), KeyBias(mask, p, b, XMath.Min(j0 + ty + 32, p.Seq - 1)),
            KeyBias(mask, p, b, XMath.Min(j0 + ty + 48, p.Seq - 1))));
        var scale = Block.FromColumns(Float4.Splat(p.Scale));
        var gk = default(Block);
        var gv = default(Block);
        for (int i0 = 0; i0 < p.Seq; i0 += AttentionTiles.Tile)
        {
            var s = Block.Add(Block.Mul(AttentionTiles.Contract(k, j0, q, i0, aTile, bTile, headBase, p), scale), keyBias);
            // Queries past the sequence get log-sum-exp +∞: probability 0.
            var prob = Block.Exp(Block.Sub(s, Block.FromColumns(RowStats(logSumExp, p, bh, i0 + tx, float.PositiveInfinity))));
            var kept = p.P > 0f ? Multipliers(p, bh, j0 + ty, i0 + tx, transposed: true) : Block.FromColumns(Float4.Splat(1f));
            var ds = default(Block);
            if (hasDk != 0)
            {
                var dp = Block.Mul(AttentionTiles.Contract(v, j0, dOutput, i0, aTile, bTile, headBase, p), kept);
                var columnDelta = Block.FromColumns(RowStats(delta, p, bh, i0 + tx, 0f));
                ds = Block.Mul(Block.Mul(prob, Block.Sub(dp, columnDelta)), scale);
            }
            var pm = Block.Mul(prob, kept);
            for (int slot = 0; slot < 4 && i0 + 16 * slot < p.Seq; slot++)
            {
                Group.Barrier();
                if (hasDk != 0) AttentionTiles.LoadRows(q, qRows, headBase, i0 + 16 * slot, column0, p);
                if (hasDv != 0) AttentionTiles.LoadRows(dOutput, dORows, headBase, i0 + 16 * slot, column0, p);
                Group.Barrier();
                if (hasDk != 0) gk = AttentionTiles.Accumulate(gk, AttentionTiles.Column(ds, slot), qRows);
                if (hasDv != 0) gv = AttentionTiles.Accumulate(gv, AttentionTiles.Column(pm, slot), dORows);
            }
        }
        if (hasDk != 0) AttentionTiles.Store(dk, gk, headBase, j0, column0, add: true, p);
        if (hasDv != 0) AttentionTiles.Store(dv, gv, headBase, j0, column0, add: true, p);
    }
}
