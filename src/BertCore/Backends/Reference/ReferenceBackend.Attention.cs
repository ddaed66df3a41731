using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// Multi-head scaled dot-product attention with interleaved heads and scale 1/sqrt(D): q, k, v [batch, seq, heads·D];
    /// mask [batch, seq] over keys (1 keep, 0 pad) or null; returns [batch, seq, heads·D]. See
    /// <see cref="Attention(double[], double[], double[], int[], int, int, int, double, Dropout, double[])"/>.
    /// </summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int[]? mask, int batch, int seq, int heads, Dropout dropout) =>
        Attention(q, k, v, mask, batch, seq, heads, 1 / Math.Sqrt(q.Length / (batch * seq) / heads), dropout, null);

    /// <summary>
    /// For each batch b, head h and query i: scores_j = q_i·k_j · scale (+ float.MinValue for a padded key);
    /// probs = softmax(scores); probs_j is dropped when CounterRng.Keep fails at offset + ((b·heads + h)·seq + i)·seq + j,
    /// else divided by (1 − p); output_i = Σ_j probs_j · v_j. q, k, v [batch, seq, heads·D]; mask [batch, seq] or null;
    /// logSumExp [batch, heads, seq] (log Σ_j exp(scores_j)) is filled when given. Returns [batch, seq, heads·D].
    /// </summary>
    private static double[] Attention(double[] q, double[] k, double[] v, int[]? mask, int batch, int seq, int heads, double scale,
        Dropout dropout, double[]? logSumExp)
    {
        int width = q.Length / (batch * seq), d = width / heads;
        var output = new double[q.Length];
        var scores = new double[seq];
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < heads; h++)
        for (int i = 0; i < seq; i++)
        {
            int qRow = (b * seq + i) * width + h * d;
            Scores(q, k, mask, b, h, i, seq, width, d, scale, scores);
            var probs = Softmax(scores, 1, seq);
            if (logSumExp != null) logSumExp[(b * heads + h) * seq + i] = LogSumExp(scores);
            for (int j = 0; j < seq; j++)
            {
                double p = probs[j] * Kept(dropout, b, h, i, j, heads, seq);
                int vRow = (b * seq + j) * width + h * d;
                for (int c = 0; c < d; c++) output[qRow + c] += p * v[vRow + c];
            }
        }
        return output;
    }

    /// <summary>
    /// The gradients of <see cref="Attention(double[], double[], double[], int[], int, int, int, double, Dropout, double[])"/>
    /// given dOutput, from the probabilities P rebuilt from q and k: dV_j += Σ_i P̃_ij dO_i (P̃ the dropped, rescaled P);
    /// dP̃_ij = dO_i·v_j; dP_ij = dP̃_ij · keep_ij/(1 − p); dS_ij = P_ij (dP_ij − Σ_j' P_ij' dP_ij'); dq_i += scale Σ_j dS_ij k_j;
    /// dk_j += scale Σ_i dS_ij q_i. Every array [batch, seq, heads·D] except mask [batch, seq] or null.
    /// </summary>
    private static (double[] Dq, double[] Dk, double[] Dv) AttentionBackward(double[] q, double[] k, double[] v, int[]? mask, double[] dOutput,
        int batch, int seq, int heads, double scale, Dropout dropout)
    {
        int width = q.Length / (batch * seq), d = width / heads;
        double[] dq = new double[q.Length], dk = new double[q.Length], dv = new double[q.Length];
        double[] scores = new double[seq], dProbs = new double[seq];
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < heads; h++)
        for (int i = 0; i < seq; i++)
        {
            int qRow = (b * seq + i) * width + h * d;
            Scores(q, k, mask, b, h, i, seq, width, d, scale, scores);
            var probs = Softmax(scores, 1, seq);
            double weighted = 0;
            for (int j = 0; j < seq; j++)
            {
                int vRow = (b * seq + j) * width + h * d;
                double keep = Kept(dropout, b, h, i, j, heads, seq), dot = 0;
                for (int c = 0; c < d; c++)
                {
                    dv[vRow + c] += probs[j] * keep * dOutput[qRow + c];
                    dot += dOutput[qRow + c] * v[vRow + c];
                }
                dProbs[j] = dot * keep;
                weighted += probs[j] * dProbs[j];
            }
            for (int j = 0; j < seq; j++)
            {
                double dScore = probs[j] * (dProbs[j] - weighted) * scale;
                int kRow = (b * seq + j) * width + h * d;
                for (int c = 0; c < d; c++)
                {
                    dq[qRow + c] += dScore * k[kRow + c];
                    dk[kRow + c] += dScore * q[qRow + c];
                }
            }
        }
        return (dq, dk, dv);
    }

    /// <summary>scores [seq] of query i of batch b, head h: q_i·k_j · scale, plus float.MinValue where key j is padded.</summary>
    private static void Scores(double[] q, double[] k, int[]? mask, int b, int h, int i, int seq, int width, int d, double scale, double[] scores)
    {
        int qRow = (b * seq + i) * width + h * d;
        for (int j = 0; j < seq; j++)
        {
            int kRow = (b * seq + j) * width + h * d;
            double dot = 0;
            for (int c = 0; c < d; c++) dot += q[qRow + c] * k[kRow + c];
            scores[j] = dot * scale + (mask != null && mask[b * seq + j] == 0 ? float.MinValue : 0);
        }
    }

    /// <summary>The dropout factor of probability (b, h, i, j): 0 when dropped, 1/(1 − p) when kept, 1 without dropout.</summary>
    private static double Kept(Dropout dropout, int b, int h, int i, int j, int heads, int seq)
    {
        if (!dropout.Active) return 1;
        ulong counter = dropout.Offset + (ulong)(((b * heads + h) * seq + i) * seq + j);
        return CounterRng.Keep(dropout.P, dropout.Seed, counter) ? 1 / (1 - (double)dropout.P) : 0;
    }

    /// <summary>log Σ_j exp(x_j), max subtracted. x [n].</summary>
    private static double LogSumExp(ReadOnlySpan<double> x)
    {
        double max = double.NegativeInfinity;
        foreach (var value in x) max = Math.Max(max, value);
        double sum = 0;
        foreach (var value in x) sum += Math.Exp(value - max);
        return max + Math.Log(sum);
    }

    /// <inheritdoc/>
    // q, k, v, output [B, S, H·D] (head h in columns h·D .. h·D+D-1); mask I32 [B, S] or null; logSumExp [B, H, S]
    public void Attention(Tensor q, Tensor k, Tensor v, Tensor? mask, int heads, float scale, Dropout dropout, Tensor output, Tensor logSumExp)
    {
        var s = AttentionShape.Forward(q, k, v, mask, output, logSumExp, heads, dropout);
        if (q.Count == 0) return;
        var lse = new double[logSumExp.Count];
        Write(Attention(Read(q), Read(k), Read(v), mask?.ToIntArray(), s.Batch, s.Seq, s.Heads, scale, dropout, lse), output);
        Write(lse, logSumExp);
    }

    /// <inheritdoc/>
    // qkv [B, S, 3·H·D] (q, k, v column blocks); mask I32 [B, S] or null; output [B, S, H·D]; logSumExp [B, H, S]
    public void AttentionQkv(Tensor qkv, Tensor? mask, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        var s = AttentionShape.ForwardQkv(qkv, mask, output, logSumExp, heads);
        if (qkv.Count == 0) return;
        var (q, k, v) = Split(Read(qkv), s.Width);
        var lse = new double[logSumExp.Count];
        Write(Attention(q, k, v, mask?.ToIntArray(), s.Batch, s.Seq, s.Heads, scale, Backends.Dropout.None, lse), output);
        Write(lse, logSumExp);
    }

    /// <inheritdoc/>
    // q, k, v, output [T, H·D]; offsets I32 [N+1]; logSumExp [T·H]: each sequence is a batch of one, without mask
    public void PackedAttention(Tensor q, Tensor k, Tensor v, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp) =>
        PackedAttention(PackedAttentionShape.Of(q, k, v, offsets, output, logSumExp, heads), Read(q), Read(k), Read(v), offsets, scale,
            output, logSumExp);

    /// <inheritdoc/>
    // qkv [T, 3·H·D] (q, k, v column blocks); offsets I32 [N+1]; output [T, H·D]; logSumExp [T·H]
    public void PackedAttentionQkv(Tensor qkv, Tensor offsets, int heads, float scale, Tensor output, Tensor logSumExp)
    {
        var s = PackedAttentionShape.OfQkv(qkv, offsets, output, logSumExp, heads);
        var (q, k, v) = Split(Read(qkv), s.Width);
        PackedAttention(s, q, k, v, offsets, scale, output, logSumExp);
    }

    /// <summary>Packed attention of checked sizes s: allQ, allK, allV [T, H·D]; output [T, H·D]; logSumExp [T·H].</summary>
    private static void PackedAttention(PackedAttentionShape s, double[] allQ, double[] allK, double[] allV, Tensor offsets, float scale,
        Tensor output, Tensor logSumExp)
    {
        int[] o = s.Sequences(offsets);
        double[] result = new double[allQ.Length], lse = new double[logSumExp.Count];
        for (int n = 0; n < s.Count; n++)
        {
            int from = o[n] * s.Width, length = o[n + 1] - o[n], count = length * s.Width;
            if (length == 0) continue;
            var sequenceLse = new double[length * s.Heads];
            var rows = Attention(allQ[from..(from + count)], allK[from..(from + count)], allV[from..(from + count)], null, 1, length, s.Heads,
                scale, Backends.Dropout.None, sequenceLse);
            rows.CopyTo(result, from);
            sequenceLse.CopyTo(lse, o[n] * s.Heads);
        }
        Write(result, output);
        Write(lse, logSumExp);
    }

    /// <summary>The column blocks of qkv [R, 3·width]: q, k, v [R, width].</summary>
    private static (double[] Q, double[] K, double[] V) Split(double[] qkv, int width)
    {
        int rows = qkv.Length / (3 * width);
        double[] q = new double[rows * width], k = new double[rows * width], v = new double[rows * width];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(qkv, r * 3 * width, q, r * width, width);
            Array.Copy(qkv, r * 3 * width + width, k, r * width, width);
            Array.Copy(qkv, r * 3 * width + 2 * width, v, r * width, width);
        }
        return (q, k, v);
    }

    /// <inheritdoc/>
    // q, k, v, output, dOutput [B, S, H·D]; mask I32 [B, S] or null; logSumExp [B, H, S] (unused: the reference rebuilds the
    // probabilities from q and k); dq, dk, dv [B, S, H·D] (each optional, added into)
    public void AttentionBackward(Tensor q, Tensor k, Tensor v, Tensor? mask, Tensor output, Tensor logSumExp, Tensor dOutput,
        int heads, float scale, Dropout dropout, Tensor? dq, Tensor? dk, Tensor? dv)
    {
        var s = AttentionShape.Backward(q, k, v, mask, output, logSumExp, dOutput, heads, dropout, dq, dk, dv);
        if ((dq == null && dk == null && dv == null) || q.Count == 0) return;
        var g = AttentionBackward(Read(q), Read(k), Read(v), mask?.ToIntArray(), Read(dOutput), s.Batch, s.Seq, s.Heads, scale, dropout);
        AddToOptional(g.Dq, dq);
        AddToOptional(g.Dk, dk);
        AddToOptional(g.Dv, dv);
    }
}
