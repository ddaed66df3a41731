using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Attention of one (batch, head) pair in tiles, FlashAttention-2 style: queries in blocks of
/// <see cref="QueryBlock"/> rows, keys in blocks of <see cref="KeyBlock"/>, the products on the GEMM
/// micro-kernel over packed slivers (<see cref="TilePacking"/>), softmax online (a running max and sum per query
/// row, the output rescaled when the max grows). No S × S buffer exists; the forward saves only the
/// log-sum-exp of each query row, from which the backward rebuilds each probability tile.
/// With S = q·kᵀ·scale + mask, P = softmax(S), m the dropout multiplier (keep / (1 − p)) at
/// ((b·H + h)·S + i)·S + j, and O = (P ⊙ m)·v:
/// dv += (P ⊙ m)ᵀ·dO; dP = (dO·vᵀ) ⊙ m; dS = P ⊙ (dP − rowsum(dO ⊙ O)) · scale; dq += dS·k; dk += dSᵀ·q.
/// </summary>
internal static unsafe class AttentionKernel
{
    /// <summary>Query rows per tile (a multiple of the micro-kernel's MR).</summary>
    public const int QueryBlock = 48;

    /// <summary>Keys per tile (a multiple of the micro-kernel's NR): sequences up to this long take one tile.</summary>
    public const int KeyBlock = 128;

    private const int NR = GemmKernel.NR;

    /// <summary>Output rows [B, S, H·D] (head columns) and log-sum-exp [B, H, S] of pair bh = b·H + h; q, k, v rows
    /// <see cref="AttentionArgs.InputStride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(in AttentionArgs a, int bh)
    {
        int s = a.Seq, d = a.HeadDim, dPad = TilePacking.RoundUp(d, NR);
        long head = a.HeadOffset(bh), ld = a.RowStride, input = a.InputOffset(bh), ldIn = a.InputStride;
        var w = AttentionScratch.For(s, d);
        TilePacking.ColumnsAsB(a.K + input, ldIn, s, d, w.KeysT);    // kᵀ: [ceil(S/NR), D, NR]
        TilePacking.RowsAsB(a.V + input, ldIn, s, d, w.KeysB);       // v:  [ceil(D/NR), S, NR]
        a.FillMaskAdd(bh, w.MaskAdd);
        for (int i0 = 0; i0 < s; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, s - i0);
            TilePacking.RowsAsA(a.Q + input + i0 * ldIn, ldIn, rows, d, w.QueriesA);
            for (int j0 = 0; j0 < s; j0 += KeyBlock)
            {
                int keys = Math.Min(KeyBlock, s - j0);
                bool first = j0 == 0;
                TilePacking.Multiply(w.QueriesA, w.KeysT + (long)(j0 / NR) * d * NR, (long)d * NR, d, rows,
                    TilePacking.RoundUp(keys, NR), w.Scores, KeyBlock, 0f, padded: true);
                for (int r = 0; r < rows; r++)
                {
                    float* row = w.Scores + r * KeyBlock;
                    float max = ScaleAndMask(row, a.Scale, w.MaskAdd + j0, keys);
                    float previous = first ? float.NegativeInfinity : w.RowMax[r];
                    float newMax = Math.Max(previous, max);
                    float sum = RowMath.ExpSum(row, row, keys, newMax);
                    if (first) w.RowSum[r] = sum;
                    else
                    {
                        float rescale = MathF.Exp(previous - newMax);
                        w.RowSum[r] = w.RowSum[r] * rescale + sum;
                        var acc = new Span<float>(w.Output + r * dPad, d);
                        TensorPrimitives.Multiply(acc, rescale, acc);
                    }
                    w.RowMax[r] = newMax;
                    if (a.Drop.Active)
                    {
                        a.DropMultipliers(bh, i0 + r, j0, keys, w.DropRow);
                        var p = new Span<float>(row, keys);
                        TensorPrimitives.Multiply(p, new ReadOnlySpan<float>(w.DropRow, keys), p);
                    }
                }
                TilePacking.RowsAsA(w.Scores, KeyBlock, rows, keys, w.TileA);
                TilePacking.Multiply(w.TileA, w.KeysB + j0 * NR, (long)s * NR, keys, rows, dPad, w.Output, dPad,
                    first ? 0f : 1f, padded: true);
            }
            for (int r = 0; r < rows; r++)
            {
                int i = i0 + r;
                TensorPrimitives.Divide(new ReadOnlySpan<float>(w.Output + r * dPad, d), w.RowSum[r],
                    new Span<float>(a.Output + head + i * ld, d));
                a.LogSumExp[(long)bh * s + i] = w.RowMax[r] + MathF.Log(w.RowSum[r]);
            }
        }
    }

    /// <summary>Adds the gradients of pair bh into dq, dk, dv [B, S, H·D] (each may be null). q, k, v rows are
    /// <see cref="AttentionArgs.RowStride"/> apart, as the output's (training never reads fused q, k, v).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward(in AttentionArgs a, int bh, float* dOutput, float* dq, float* dk, float* dv)
    {
        if (a.InputStride != a.RowStride) throw new ArgumentException("attention backward reads q, k, v of the output's row width only");
        int s = a.Seq, d = a.HeadDim;
        long head = a.HeadOffset(bh), ld = a.RowStride;
        bool scoreGrads = dq != null || dk != null;
        var w = AttentionScratch.For(s, d);
        TilePacking.ColumnsAsB(a.K + head, ld, s, d, w.KeysT);                  // kᵀ for S = q·kᵀ
        if (scoreGrads) TilePacking.ColumnsAsB(a.V + head, ld, s, d, w.ValuesT);  // vᵀ for dP = dO·vᵀ
        if (dq != null) TilePacking.RowsAsB(a.K + head, ld, s, d, w.KeysB);     // k for dq = dS·k
        a.FillMaskAdd(bh, w.MaskAdd);
        for (int i0 = 0; i0 < s; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, s - i0);
            float* q = a.Q + head + i0 * ld, dO = dOutput + head + i0 * ld, o = a.Output + head + i0 * ld;
            TilePacking.RowsAsA(q, ld, rows, d, w.QueriesA);
            if (scoreGrads) TilePacking.RowsAsA(dO, ld, rows, d, w.GradOutA);
            if (dk != null) TilePacking.RowsAsB(q, ld, rows, d, w.QueriesB);
            if (dv != null) TilePacking.RowsAsB(dO, ld, rows, d, w.GradOutB);
            for (int r = 0; r < rows; r++)
            {
                w.RowSum[r] = a.LogSumExp[(long)bh * s + i0 + r];
                if (scoreGrads) w.RowDot[r] = RowMath.Dot(dO + r * ld, o + r * ld, d);
            }
            for (int j0 = 0; j0 < s; j0 += KeyBlock)
            {
                int keys = Math.Min(KeyBlock, s - j0), keysPad = TilePacking.RoundUp(keys, NR);
                TilePacking.Multiply(w.QueriesA, w.KeysT + (long)(j0 / NR) * d * NR, (long)d * NR, d, rows, keysPad,
                    w.Scores, KeyBlock, 0f, padded: true);
                if (scoreGrads)
                    TilePacking.Multiply(w.GradOutA, w.ValuesT + (long)(j0 / NR) * d * NR, (long)d * NR, d, rows, keysPad,
                        w.GradScores, KeyBlock, 0f, padded: true);
                for (int r = 0; r < rows; r++)
                {
                    if (a.Drop.Active) a.DropMultipliers(bh, i0 + r, j0, keys, w.DropRow);
                    GradientRow(w.Scores + r * KeyBlock, scoreGrads ? w.GradScores + r * KeyBlock : null, w.MaskAdd + j0,
                        a.Drop.Active ? w.DropRow : null, keys, a.Scale, w.RowSum[r], w.RowDot[r]);
                }
                long keyRows = j0 * ld;
                if (dv != null)
                {
                    // dv[keys] += (P ⊙ m)ᵀ · dO[block]
                    TilePacking.ColumnsAsA(w.Scores, KeyBlock, rows, keys, w.TileA);
                    TilePacking.Multiply(w.TileA, w.GradOutB, (long)rows * NR, rows, keys, d, dv + head + keyRows, ld, 1f, padded: false);
                }
                if (dk != null)
                {
                    // dk[keys] += dSᵀ · q[block]
                    TilePacking.ColumnsAsA(w.GradScores, KeyBlock, rows, keys, w.TileA);
                    TilePacking.Multiply(w.TileA, w.QueriesB, (long)rows * NR, rows, keys, d, dk + head + keyRows, ld, 1f, padded: false);
                }
                if (dq != null)
                {
                    // dq[block] += dS · k[keys]
                    TilePacking.RowsAsA(w.GradScores, KeyBlock, rows, keys, w.TileA);
                    TilePacking.Multiply(w.TileA, w.KeysB + j0 * NR, (long)s * NR, keys, rows, d, dq + head + i0 * ld, ld, 1f, padded: false);
                }
            }
        }
    }

    /// <summary>row[j] = row[j]·scale + maskAdd[j] for j &lt; n; returns the largest.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float ScaleAndMask(float* row, float scale, float* maskAdd, int n)
    {
        var vs = Vector256.Create(scale);
        int j = 0;
        for (; j + 8 <= n; j += 8)
            Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(row + j), vs, Vector256.Load(maskAdd + j)), row + j);
        for (; j < n; j++) row[j] = MathF.FusedMultiplyAdd(row[j], scale, maskAdd[j]);
        return RowMath.Max(row, n);
    }

    /// <summary>
    /// One tile row of the backward, in place: scores [n] (q·kᵀ, unscaled) becomes P ⊙ m with
    /// P = exp(scores·scale + maskAdd − logSumExp); gradScores [n] (dO·vᵀ, or null when no score gradient is
    /// needed) becomes dS = P ⊙ (dP ⊙ m − rowDot) · scale. drop [n] holds the multipliers m, or null for none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GradientRow(float* scores, float* gradScores, float* maskAdd, float* drop, int n, float scale,
        float logSumExp, float rowDot)
    {
        var vScale = Vector256.Create(scale);
        var vLse = Vector256.Create(logSumExp);
        var vDot = Vector256.Create(rowDot);
        var one = Vector256<float>.One;
        int j = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            // The same operations on 16 lanes (element-wise: the same bits).
            var scale16 = Vector512.Create(scale);
            var lse16 = Vector512.Create(logSumExp);
            var dot16 = Vector512.Create(rowDot);
            for (; j + 16 <= n; j += 16)
            {
                var p = FastExp.Exp(Vector512.FusedMultiplyAdd(Vector512.Load(scores + j), scale16, Vector512.Load(maskAdd + j)) - lse16);
                var m = drop == null ? Vector512<float>.One : Vector512.Load(drop + j);
                Vector512.Store(p * m, scores + j);
                if (gradScores != null) Vector512.Store(p * (Vector512.Load(gradScores + j) * m - dot16) * scale16, gradScores + j);
            }
        }
        for (; j + 8 <= n; j += 8)
        {
            var p = FastExp.Exp(Vector256.FusedMultiplyAdd(Vector256.Load(scores + j), vScale, Vector256.Load(maskAdd + j)) - vLse);
            var m = drop == null ? one : Vector256.Load(drop + j);
            Vector256.Store(p * m, scores + j);
            if (gradScores != null) Vector256.Store(p * (Vector256.Load(gradScores + j) * m - vDot) * vScale, gradScores + j);
        }
        for (; j < n; j++)
        {
            float p = MathF.Exp(MathF.FusedMultiplyAdd(scores[j], scale, maskAdd[j]) - logSumExp);
            float m = drop == null ? 1f : drop[j];
            scores[j] = p * m;
            if (gradScores != null) gradScores[j] = p * (gradScores[j] * m - rowDot) * scale;
        }
    }
}

/// <summary>The checked geometry and inputs of one attention call (forward or backward).</summary>
internal readonly unsafe struct AttentionArgs
{
    public readonly float* Q, K, V, Output, LogSumExp;
    public readonly int* Mask;
    /// <summary>RowStride: the width H·D of an output row. InputStride: the distance between two rows of q (and of k,
    /// and of v): H·D for separate matrices, 3·H·D when q, k, v are the column blocks of one [.., 3·H·D] matrix.</summary>
    public readonly int Batch, Seq, Heads, HeadDim, RowStride, InputStride;
    public readonly float Scale;
    public readonly Dropout Drop;
    private readonly float _keepScale;

    /// <param name="inputStride">The row distance of q, k and v; 0: <paramref name="rowStride"/> (separate matrices).</param>
    public AttentionArgs(float* q, float* k, float* v, int* mask, float* output, float* logSumExp,
        int batch, int seq, int heads, int rowStride, float scale, Dropout drop, int inputStride = 0)
    {
        Q = q;
        K = k;
        V = v;
        Mask = mask;
        Output = output;
        LogSumExp = logSumExp;
        (Batch, Seq, Heads, RowStride, HeadDim) = (batch, seq, heads, rowStride, rowStride / heads);
        InputStride = inputStride == 0 ? rowStride : inputStride;
        (Scale, Drop) = (scale, drop);
        _keepScale = 1f / (1f - drop.P);
    }

    /// <summary>Offset of head h's columns in row 0 of batch b of the output, for bh = b·H + h.</summary>
    public long HeadOffset(int bh) => (long)(bh / Heads) * Seq * RowStride + (long)(bh % Heads) * HeadDim;

    /// <summary>Offset of head h's columns in row 0 of batch b of q (and of k, and of v), for bh = b·H + h.</summary>
    public long InputOffset(int bh) => (long)(bh / Heads) * Seq * InputStride + (long)(bh % Heads) * HeadDim;

    /// <summary>maskAdd [S] = float.MinValue for the padded keys of pair bh's batch, 0 elsewhere.</summary>
    public void FillMaskAdd(int bh, float* maskAdd)
    {
        int* keys = Mask == null ? null : Mask + (long)(bh / Heads) * Seq;
        for (int j = 0; j < Seq; j++) maskAdd[j] = keys != null && keys[j] == 0 ? float.MinValue : 0f;
    }

    /// <summary>multipliers [n] = keep / (1 − p) for elements (b, h, i, j0 .. j0+n) from the counter RNG at
    /// offset + ((b·H + h)·S + i)·S + j.</summary>
    public void DropMultipliers(int bh, int i, int j0, int n, float* multipliers)
    {
        ulong counter = Drop.Offset + ((ulong)bh * (ulong)Seq + (ulong)i) * (ulong)Seq + (ulong)j0;
        for (int j = 0; j < n; j++) multipliers[j] = CounterRng.Keep(Drop.P, Drop.Seed, counter + (ulong)j) ? _keepScale : 0f;
    }
}
