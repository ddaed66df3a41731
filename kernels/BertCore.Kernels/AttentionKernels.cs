using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>
/// Sizes and options of an attention launch. Tensors are [Batch, Seq, Heads·HeadDim] with head h in columns
/// h·HeadDim ..; the dropout multiplier of probability (b, h, i, j) comes from the counter RNG at
/// Offset + ((b·Heads + h)·Seq + i)·Seq + j (P = 0: no dropout). HasMask: mask [Batch, Seq] over keys (0 = pad).
/// </summary>
public readonly record struct AttentionParams(int Batch, int Seq, int Heads, int HeadDim, float Scale, float P, ulong Seed,
    ulong Offset, int HasMask)
{
    /// <summary>Lanes own columns lane, lane + 32, lane + 64, lane + 96 of a head: HeadDim ≤ 128.</summary>
    public const int MaxHeadDim = 128;

    public int Width => Heads * HeadDim;
}

/// <summary>
/// Fused scaled-dot-product attention, FlashAttention style without an S×S buffer: one warp per query row (forward
/// and dq) or per key row (dk, dv). Lane l scores key (or query) j0 + l of each block of 32 with a dot product over
/// the head; the softmax is online (running max and sum, the output rescaled when the max grows); the block's
/// probabilities reach every lane by shuffles, and lane l accumulates output columns l, l+32, l+64, l+96 in
/// registers. The forward saves only logSumExp [B, H, S]; the backward rebuilds each probability from it.
/// With P = softmax(S), m the dropout multiplier, O = (P⊙m)·v and Δ_i = Σ_c dO_ic·O_ic:
/// dv_j += Σ_i P_ij m_ij dO_i; dS_ij = P_ij (m_ij dO_i·v_j − Δ_i)·scale; dq_i += Σ_j dS_ij k_j; dk_j += Σ_i dS_ij q_i.
/// Launch: grid ceil(B·H·S / (group / 32)), group a multiple of 32; warp w handles row index
/// ((b·H + h)·S + i) = group·(group / 32) + w.
/// </summary>
public static class AttentionKernels
{
    private static int WarpRow() => Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;

    private static float Dot(ArrayView<float> x, long xRow, ArrayView<float> y, long yRow, int d)
    {
        float s = 0f;
        for (int c = 0; c < d; c++) s += x[xRow + c] * y[yRow + c];
        return s;
    }

    private static float Score(ArrayView<float> q, ArrayView<float> k, ArrayView<int> mask, in AttentionParams p, int b,
        long qRow, long kRow, int j) =>
        Dot(q, qRow, k, kRow, p.HeadDim) * p.Scale + (p.HasMask != 0 && mask[b * p.Seq + j] == 0 ? float.MinValue : 0f);

    private static float Multiplier(in AttentionParams p, int bh, int i, int j) =>
        p.P > 0f ? DeviceRng.Multiplier(p.P, p.Seed, p.Offset + (ulong)(((long)bh * p.Seq + i) * p.Seq + j)) : 1f;

    /// <summary>Element (row, column c) of a [B, S, H·D] tensor if c is inside the head, else 0.</summary>
    private static float Column(ArrayView<float> x, long row, int c, int d) => c < d ? x[row + c] : 0f;

    // q, k, v, output [B, S, H·D]; mask I32 [B, S] (read when HasMask); logSumExp [B, H, S]
    public static void Forward(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> output, ArrayView<float> logSumExp, AttentionParams p)
    {
        int index = WarpRow(), lane = Warp.LaneIdx;
        if (index >= p.Batch * p.Heads * p.Seq) return;
        int i = index % p.Seq, bh = index / p.Seq, h = bh % p.Heads, b = bh / p.Heads, d = p.HeadDim, w = p.Width;
        long qRow = ((long)b * p.Seq + i) * w + (long)h * d, headBase = (long)b * p.Seq * w + (long)h * d;
        float runMax = float.NegativeInfinity, runSum = 0f, o0 = 0f, o1 = 0f, o2 = 0f, o3 = 0f;
        for (int j0 = 0; j0 < p.Seq; j0 += Warp.WarpSize)
        {
            int j = j0 + lane;
            float s = j < p.Seq ? Score(q, k, mask, p, b, qRow, headBase + (long)j * w, j) : float.NegativeInfinity;
            float newMax = XMath.Max(runMax, DeviceMath.WarpMax(s));
            float e = j < p.Seq ? XMath.Exp(s - newMax) : 0f;
            float rescale = j0 == 0 ? 0f : XMath.Exp(runMax - newMax);
            runSum = runSum * rescale + DeviceMath.WarpSum(e);
            o0 *= rescale; o1 *= rescale; o2 *= rescale; o3 *= rescale;
            float dropped = j < p.Seq ? e * Multiplier(p, bh, i, j) : 0f;
            int keys = XMath.Min(Warp.WarpSize, p.Seq - j0);
            for (int t = 0; t < keys; t++)
            {
                float pj = Warp.Shuffle(dropped, t);
                long vRow = headBase + (long)(j0 + t) * w;
                o0 += pj * Column(v, vRow, lane, d);
                o1 += pj * Column(v, vRow, lane + 32, d);
                o2 += pj * Column(v, vRow, lane + 64, d);
                o3 += pj * Column(v, vRow, lane + 96, d);
            }
            runMax = newMax;
        }
        float inv = 1f / runSum;
        if (lane < d) output[qRow + lane] = o0 * inv;
        if (lane + 32 < d) output[qRow + lane + 32] = o1 * inv;
        if (lane + 64 < d) output[qRow + lane + 64] = o2 * inv;
        if (lane + 96 < d) output[qRow + lane + 96] = o3 * inv;
        if (lane == 0) logSumExp[index] = runMax + XMath.Log(runSum);
    }

    /// <summary>delta[(b·H + h)·S + i] = Σ_c dOutput·output over the head's columns. output, dOutput [B, S, H·D];
    /// delta [B, H, S].</summary>
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

    /// <summary>dq_i += Σ_j dS_ij k_j, one warp per query row. q, k, v, dOutput, dq [B, S, H·D]; mask [B, S];
    /// logSumExp, delta [B, H, S].</summary>
    public static void BackwardQuery(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> logSumExp, ArrayView<float> delta, ArrayView<float> dOutput, ArrayView<float> dq, AttentionParams p)
    {
        int index = WarpRow(), lane = Warp.LaneIdx;
        if (index >= p.Batch * p.Heads * p.Seq) return;
        int i = index % p.Seq, bh = index / p.Seq, h = bh % p.Heads, b = bh / p.Heads, d = p.HeadDim, w = p.Width;
        long qRow = ((long)b * p.Seq + i) * w + (long)h * d, headBase = (long)b * p.Seq * w + (long)h * d;
        float lse = logSumExp[index], di = delta[index];
        float g0 = 0f, g1 = 0f, g2 = 0f, g3 = 0f;
        for (int j0 = 0; j0 < p.Seq; j0 += Warp.WarpSize)
        {
            int j = j0 + lane;
            float ds = 0f;
            if (j < p.Seq)
            {
                long kRow = headBase + (long)j * w;
                float prob = XMath.Exp(Score(q, k, mask, p, b, qRow, kRow, j) - lse);
                float dp = Dot(dOutput, qRow, v, kRow, d) * Multiplier(p, bh, i, j);
                ds = prob * (dp - di) * p.Scale;
            }
            int keys = XMath.Min(Warp.WarpSize, p.Seq - j0);
            for (int t = 0; t < keys; t++)
            {
                float dst = Warp.Shuffle(ds, t);
                long kRow = headBase + (long)(j0 + t) * w;
                g0 += dst * Column(k, kRow, lane, d);
                g1 += dst * Column(k, kRow, lane + 32, d);
                g2 += dst * Column(k, kRow, lane + 64, d);
                g3 += dst * Column(k, kRow, lane + 96, d);
            }
        }
        if (lane < d) dq[qRow + lane] += g0;
        if (lane + 32 < d) dq[qRow + lane + 32] += g1;
        if (lane + 64 < d) dq[qRow + lane + 64] += g2;
        if (lane + 96 < d) dq[qRow + lane + 96] += g3;
    }

    /// <summary>dk_j += Σ_i dS_ij q_i and dv_j += Σ_i P_ij m_ij dO_i, one warp per key row (hasDk, hasDv select
    /// the outputs). q, k, v, dOutput, dk, dv [B, S, H·D]; mask [B, S]; logSumExp, delta [B, H, S].</summary>
    public static void BackwardKeyValue(ArrayView<float> q, ArrayView<float> k, ArrayView<float> v, ArrayView<int> mask,
        ArrayView<float> logSumExp, ArrayView<float> delta, ArrayView<float> dOutput, ArrayView<float> dk, int hasDk,
        ArrayView<float> dv, int hasDv, AttentionParams p)
    {
        int index = WarpRow(), lane = Warp.LaneIdx;
        if (index >= p.Batch * p.Heads * p.Seq) return;
        int j = index % p.Seq, bh = index / p.Seq, h = bh % p.Heads, b = bh / p.Heads, d = p.HeadDim, w = p.Width;
        long kRow = ((long)b * p.Seq + j) * w + (long)h * d, headBase = (long)b * p.Seq * w + (long)h * d;
        long rowBase = (long)bh * p.Seq;
        float k0 = 0f, k1 = 0f, k2 = 0f, k3 = 0f, v0 = 0f, v1 = 0f, v2 = 0f, v3 = 0f;
        for (int i0 = 0; i0 < p.Seq; i0 += Warp.WarpSize)
        {
            int i = i0 + lane;
            float ds = 0f, pm = 0f;
            if (i < p.Seq)
            {
                long qRow = headBase + (long)i * w;
                float prob = XMath.Exp(Score(q, k, mask, p, b, qRow, kRow, j) - logSumExp[rowBase + i]);
                float m = Multiplier(p, bh, i, j);
                pm = prob * m;
                ds = prob * (Dot(dOutput, qRow, v, kRow, d) * m - delta[rowBase + i]) * p.Scale;
            }
            int queries = XMath.Min(Warp.WarpSize, p.Seq - i0);
            for (int t = 0; t < queries; t++)
            {
                float dst = Warp.Shuffle(ds, t), pmt = Warp.Shuffle(pm, t);
                long qRow = headBase + (long)(i0 + t) * w;
                k0 += dst * Column(q, qRow, lane, d);
                k1 += dst * Column(q, qRow, lane + 32, d);
                k2 += dst * Column(q, qRow, lane + 64, d);
                k3 += dst * Column(q, qRow, lane + 96, d);
                v0 += pmt * Column(dOutput, qRow, lane, d);
                v1 += pmt * Column(dOutput, qRow, lane + 32, d);
                v2 += pmt * Column(dOutput, qRow, lane + 64, d);
                v3 += pmt * Column(dOutput, qRow, lane + 96, d);
            }
        }
        if (hasDk != 0)
        {
            if (lane < d) dk[kRow + lane] += k0;
            if (lane + 32 < d) dk[kRow + lane + 32] += k1;
            if (lane + 64 < d) dk[kRow + lane + 64] += k2;
            if (lane + 96 < d) dk[kRow + lane + 96] += k3;
        }
        if (hasDv != 0)
        {
            if (lane < d) dv[kRow + lane] += v0;
            if (lane + 32 < d) dv[kRow + lane + 32] += v1;
            if (lane + 64 < d) dv[kRow + lane + 64] += v2;
            if (lane + 96 < d) dv[kRow + lane + 96] += v3;
        }
    }
}
