using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
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

    /// <inheritdoc/>
    // squares [n]; normAndScale [2]; losses [m] or null
    public void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale, Tensor? losses = null)
    {
        OptimizerShape.ClipScale(squares, normAndScale, losses);
        double norm = Math.Sqrt(Sum(Read(squares)));
        bool lossesFinite = losses == null || Read(losses).All(double.IsFinite);
        double scale = !double.IsFinite(norm) || !lossesFinite ? double.NaN : maxNorm <= 0 ? 1 : Math.Min(1.0, maxNorm / (norm + 1e-6));
        Write([norm, scale], normAndScale);
    }

    /// <inheritdoc/>
    // param, grad, m, v: the same count; deviceScale [1] or null
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep step, Tensor? deviceScale = null)
    {
        OptimizerShape.AdamW(param, grad, m, v, deviceScale);
        double scale = deviceScale == null ? 1 : deviceScale.Span[0];
        if (double.IsNaN(scale)) return;
        double[] p = Read(param), mv = Read(m), vv = Read(v);
        AdamW(p, Read(grad), mv, vv, step with { GradScale = (float)(step.GradScale * scale) });
        Write(p, param);
        Write(mv, m);
        Write(vv, v);
    }

    /// <inheritdoc/>
    // each entry's Param, Grad, M, V: the same count; groups [parameter groups]; deviceScale [1] or null
    public void AdamW(IReadOnlyList<AdamWTensors> tensors, IReadOnlyList<AdamWStep> groups, Tensor? deviceScale = null)
    {
        OptimizerShape.AdamW(tensors, groups, deviceScale);
        foreach (var t in tensors) AdamW(t.Param, t.Grad, t.M, t.V, groups[t.Group], deviceScale);
    }
}
