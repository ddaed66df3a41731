using System.Runtime.InteropServices;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // q, k, v, output [B, S, H·D] (head h in columns h·D .. h·D+D-1); mask I32 [B, S] or null; probs [B, H, S, S]
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor probs)
    {
        var a = AttentionArgs.Of(q, k, v, probs, heads, scale, dropout, "Attention");
        RequireCount(output, q.Count, "Attention");
        if (mask != null && (mask.DType != DType.I32 || mask.Count != (long)a.Batch * a.Seq))
            throw new ArgumentException($"Attention: mask must be I32 [{a.Batch}, {a.Seq}], got {mask.DType} {mask.Shape}");
        var job = new AttentionJob(a, mask == null ? null : mask.IntData, output.Data);
        _pool.For(a.Batch * a.Heads, (long)a.Seq * a.Seq * a.HeadDim, ref job);
    }

    /// <summary>(batch, head) pairs [start, end) of <see cref="AttentionHead"/>.</summary>
    private readonly struct AttentionJob(AttentionArgs a, int* mask, float* output) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int bh = start; bh < end; bh++) AttentionHead(a, bh, mask, output);
        }
    }

    // q, k, v, dOutput [B, S, H·D]; probs [B, H, S, S] saved by Attention; dq, dk, dv [B, S, H·D] (each optional, added into)
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dOutput, int heads, float scale, Dropout dropout,
        Tensor? dq, Tensor? dk, Tensor? dv)
    {
        var a = AttentionArgs.Of(q, k, v, probs, heads, scale, dropout, "AttentionBackward");
        RequireCount(dOutput, q.Count, "AttentionBackward");
        if (dq != null) RequireCount(dq, q.Count, "AttentionBackward");
        if (dk != null) RequireCount(dk, q.Count, "AttentionBackward");
        if (dv != null) RequireCount(dv, q.Count, "AttentionBackward");
        // Each (b, h) pair reads and writes only its own batch and head columns, so pairs run in parallel without races.
        var job = new AttentionBackwardJob(a, dOutput.Data, dq == null ? null : dq.Data, dk == null ? null : dk.Data, dv == null ? null : dv.Data);
        _pool.For(a.Batch * a.Heads, 2L * a.Seq * a.Seq * a.HeadDim, ref job);
    }

    /// <summary>(batch, head) pairs [start, end) of <see cref="AttentionHeadBackward"/>.</summary>
    private readonly struct AttentionBackwardJob(AttentionArgs a, float* dOutput, float* dq, float* dk, float* dv) : IRangeJob
    {
        public void Run(int start, int end)
        {
            float* dProbs = (float*)NativeMemory.Alloc((nuint)a.Seq, sizeof(float));
            try
            {
                for (int bh = start; bh < end; bh++) AttentionHeadBackward(a, bh, dOutput, dq, dk, dv, dProbs);
            }
            finally
            {
                NativeMemory.Free(dProbs);
            }
        }
    }

    /// <summary>
    /// Forward of one (batch, head) pair, bh = b·H + h, one query row i at a time: the probs row [S] receives the
    /// scores q_i·k_jᵀ·scale (+ float.MinValue for padded keys) and is softmaxed in place; then
    /// output_i = Σ_j probs_ij · dropMultiplier_ij · v_j. mask [B, S] or null; output [B, S, H·D].
    /// </summary>
    private static void AttentionHead(in AttentionArgs a, int bh, int* mask, float* output)
    {
        int b = bh / a.Heads, s = a.Seq, d = a.HeadDim;
        long head = a.HeadOffset(bh);
        float* probs = a.Probs + (long)bh * s * s;
        for (int i = 0; i < s; i++)
        {
            float* qi = a.Q + head + (long)i * a.RowStride;
            float* row = probs + (long)i * s;
            for (int j = 0; j < s; j++)
            {
                float score = RowMath.Dot(qi, a.K + head + (long)j * a.RowStride, d) * a.Scale;
                row[j] = mask != null && mask[b * s + j] == 0 ? score + float.MinValue : score;
            }
            RowMath.Softmax(row, row, s);

            float* oi = output + head + (long)i * a.RowStride;
            new Span<float>(oi, d).Clear();
            for (int j = 0; j < s; j++)
            {
                float w = row[j] * a.DropMultiplier(bh, i, j);
                if (w != 0f) RowMath.AddScaled(a.V + head + (long)j * a.RowStride, w, oi, d);
            }
        }
    }

    /// <summary>
    /// Backward of one (batch, head) pair, one query row i at a time, with P = probs (pre-dropout) and m the
    /// dropout multiplier: dv_j += P_ij·m_ij·dout_i; dP_ij = m_ij · dout_i·v_j; dS_ij = P_ij·(dP_ij − Σ_j P_ij·dP_ij);
    /// dq_i += scale · Σ_j dS_ij·k_j; dk_j += scale · dS_ij·q_i. Padded keys have P = 0 and so get exactly zero.
    /// dOutput, dq, dk, dv [B, S, H·D] (dq, dk, dv may be null); dProbs is scratch [S].
    /// </summary>
    private static void AttentionHeadBackward(in AttentionArgs a, int bh, float* dOutput, float* dq, float* dk, float* dv, float* dProbs)
    {
        int s = a.Seq, d = a.HeadDim;
        long head = a.HeadOffset(bh);
        float* probs = a.Probs + (long)bh * s * s;
        bool needScoreGrads = dq != null || dk != null;
        for (int i = 0; i < s; i++)
        {
            long rowI = head + (long)i * a.RowStride;
            float* p = probs + (long)i * s;
            float* dOut = dOutput + rowI;
            for (int j = 0; j < s; j++)
            {
                long rowJ = head + (long)j * a.RowStride;
                float m = a.DropMultiplier(bh, i, j), w = p[j] * m;
                if (dv != null && w != 0f) RowMath.AddScaled(dOut, w, dv + rowJ, d);
                if (needScoreGrads) dProbs[j] = m == 0f ? 0f : RowMath.Dot(dOut, a.V + rowJ, d) * m;
            }
            if (!needScoreGrads) continue;

            float dot = RowMath.Dot(p, dProbs, s);
            for (int j = 0; j < s; j++)
            {
                float dScore = p[j] * (dProbs[j] - dot) * a.Scale;
                if (dScore == 0f) continue;
                long rowJ = head + (long)j * a.RowStride;
                if (dq != null) RowMath.AddScaled(a.K + rowJ, dScore, dq + rowI, d);
                if (dk != null) RowMath.AddScaled(a.Q + rowI, dScore, dk + rowJ, d);
            }
        }
    }

    /// <summary>The checked geometry and inputs of one attention call.</summary>
    private readonly struct AttentionArgs
    {
        public readonly float* Q, K, V, Probs;
        public readonly int Batch, Seq, Heads, HeadDim, RowStride;
        public readonly float Scale;
        public readonly Dropout Drop;
        private readonly float _keepScale;

        private AttentionArgs(Tensor q, Tensor k, Tensor v, Tensor probs, int heads, float scale, Dropout drop)
        {
            Q = q.Data;
            K = k.Data;
            V = v.Data;
            Probs = probs.Data;
            (Batch, Seq, Heads, RowStride) = (q.Shape[0], q.Shape[1], heads, q.Shape[2]);
            HeadDim = RowStride / heads;
            (Scale, Drop) = (scale, drop);
            _keepScale = 1f / (1f - drop.P);
        }

        public static AttentionArgs Of(Tensor q, Tensor k, Tensor v, Tensor probs, int heads, float scale, Dropout drop, string op)
        {
            if (q.Shape.Rank != 3 || heads <= 0 || q.Shape[2] % heads != 0)
                throw new ArgumentException($"{op}: q {q.Shape} must be [B, S, H·D] with H·D divisible by {heads} heads");
            RequireCount(k, q.Count, op);
            RequireCount(v, q.Count, op);
            RequireCount(probs, (long)q.Shape[0] * heads * q.Shape[1] * q.Shape[1], op);
            return new AttentionArgs(q, k, v, probs, heads, scale, drop);
        }

        /// <summary>Offset of head h's columns in row 0 of batch b, for bh = b·H + h.</summary>
        public long HeadOffset(int bh) => (long)(bh / Heads) * Seq * RowStride + (long)(bh % Heads) * HeadDim;

        /// <summary>keep / (1 − p) for probs element (b, h, i, j), from the counter RNG at
        /// offset + ((b·H + h)·S + i)·S + j; 1 without dropout.</summary>
        public float DropMultiplier(int bh, int i, int j)
        {
            if (!Drop.Active) return 1f;
            ulong counter = Drop.Offset + ((ulong)bh * (ulong)Seq + (ulong)i) * (ulong)Seq + (ulong)j;
            return CounterRng.Keep(Drop.P, Drop.Seed, counter) ? _keepScale : 0f;
        }
    }
}
