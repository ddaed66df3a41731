using System.Runtime.CompilerServices;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep s)
    {
        long n = param.Count;
        RequireCount(grad, n, "AdamW");
        RequireCount(m, n, "AdamW");
        RequireCount(v, n, "AdamW");
        // Same operation order as torch.optim.AdamW's single-tensor path (fp32 throughout).
        float bias1 = 1f - MathF.Pow(s.Beta1, s.T);
        float bias2Sqrt = MathF.Sqrt(1f - MathF.Pow(s.Beta2, s.T));
        float stepSize = s.Lr / bias1;
        float decay = 1f - s.Lr * s.WeightDecay;
        float* p = param.Data, g = grad.Data, mm = m.Data, vv = v.Data;
        for (long i = 0; i < n; i++)
        {
            float gi = g[i] * s.GradScale;
            p[i] *= decay;
            mm[i] += (gi - mm[i]) * (1f - s.Beta1);
            vv[i] = vv[i] * s.Beta2 + (1f - s.Beta2) * gi * gi;
            float denom = MathF.Sqrt(vv[i]) / bias2Sqrt + s.Eps;
            p[i] -= stepSize * mm[i] / denom;
        }
    }
}
