namespace BertCore.Backends.Reference;

public static partial class ReferenceOps
{
    /// <summary>One torch.optim.AdamW step in double precision; updates p, m and v in place. All arrays [n].</summary>
    public static void AdamW(double[] p, double[] g, double[] m, double[] v, AdamWStep s)
    {
        double bias1 = 1 - Math.Pow(s.Beta1, s.T), bias2Sqrt = Math.Sqrt(1 - Math.Pow(s.Beta2, s.T));
        for (int i = 0; i < p.Length; i++)
        {
            double gi = g[i] * s.GradScale;
            p[i] *= 1 - (double)s.Lr * s.WeightDecay;
            m[i] = s.Beta1 * m[i] + (1 - (double)s.Beta1) * gi;
            v[i] = s.Beta2 * v[i] + (1 - (double)s.Beta2) * gi * gi;
            p[i] -= s.Lr / bias1 * m[i] / (Math.Sqrt(v[i]) / bias2Sqrt + s.Eps);
        }
    }
}
