namespace BertCore.Backends.Reference;

public static partial class ReferenceOps
{
    /// <summary>
    /// Multi-head scaled dot-product attention with interleaved heads: q, k, v [batch, seq, heads·D]; mask
    /// [batch, seq] over keys (1 keep, 0 pad) or null; returns [batch, seq, heads·D]. For each batch b, head h
    /// and query i: scores_j = q_i·k_j / sqrt(D) (+ float.MinValue for a padded key); probs = softmax(scores);
    /// probs_j is dropped when CounterRng.Keep fails at offset + ((b·heads + h)·seq + i)·seq + j, else divided by
    /// (1 − p); output_i = Σ_j probs_j · v_j.
    /// </summary>
    public static double[] Attention(double[] q, double[] k, double[] v, int[]? mask, int batch, int seq, int heads, Dropout dropout)
    {
        int width = q.Length / (batch * seq), d = width / heads;
        double scale = 1 / Math.Sqrt(d);
        var output = new double[q.Length];
        var scores = new double[seq];
        for (int b = 0; b < batch; b++)
        for (int h = 0; h < heads; h++)
        for (int i = 0; i < seq; i++)
        {
            int qRow = (b * seq + i) * width + h * d;
            for (int j = 0; j < seq; j++)
            {
                int kRow = (b * seq + j) * width + h * d;
                double dot = 0;
                for (int c = 0; c < d; c++) dot += q[qRow + c] * k[kRow + c];
                scores[j] = dot * scale + (mask != null && mask[b * seq + j] == 0 ? float.MinValue : 0);
            }
            var probs = Softmax(scores, 1, seq);
            for (int j = 0; j < seq; j++)
            {
                double p = probs[j];
                if (dropout.Active)
                {
                    ulong counter = dropout.Offset + (ulong)(((b * heads + h) * seq + i) * seq + j);
                    p = CounterRng.Keep(dropout.P, dropout.Seed, counter) ? p / (1 - (double)dropout.P) : 0;
                }
                int vRow = (b * seq + j) * width + h * d;
                for (int c = 0; c < d; c++) output[qRow + c] += p * v[vRow + c];
            }
        }
        return output;
    }
}
