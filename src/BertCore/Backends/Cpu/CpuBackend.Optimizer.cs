using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private const int AdamWChunk = 1 << 14;

    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep s, Tensor? deviceScale = null)
    {
        long n = OptimizerShape.AdamW(param, grad, m, v, deviceScale).Count;
        float scale = deviceScale == null ? 1f : deviceScale.Data[0];
        if (float.IsNaN(scale)) return;
        var c = new AdamWConstants(s with { GradScale = s.GradScale * scale });
        // Element-wise: any split gives the same bits.
        var job = new AdamWJob(param.Data, grad.Data, m.Data, v.Data, n, c);
        _pool.For((int)((n + AdamWChunk - 1) / AdamWChunk), AdamWChunk, ref job);
    }

    // each entry's Param, Grad, M, V: the same element count; groups [parameter groups]; deviceScale [1] or null
    public void AdamW(IReadOnlyList<AdamWTensors> tensors, IReadOnlyList<AdamWStep> groups, Tensor? deviceScale = null)
    {
        OptimizerShape.AdamW(tensors, groups, deviceScale);
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            AdamW(t.Param, t.Grad, t.M, t.V, groups[t.Group], deviceScale);
        }
    }

    /// <summary>Chunks [start, end) of AdamWChunk elements.</summary>
    private readonly struct AdamWJob(float* p, float* g, float* m, float* v, long n, AdamWConstants c) : IRangeJob
    {
        public void Run(int start, int end)
        {
            long first = (long)start * AdamWChunk, count = Math.Min((long)end * AdamWChunk, n) - first;
            AdamWRange(p + first, g + first, m + first, v + first, count, c);
        }
    }

    /// <summary>The per-step scalars of torch.optim.AdamW's single-tensor path, in fp32.</summary>
    private readonly struct AdamWConstants(in AdamWStep s)
    {
        public readonly float Decay = 1f - s.Lr * s.WeightDecay;
        public readonly float OneMinusBeta1 = 1f - s.Beta1;
        public readonly float Beta2 = s.Beta2;
        public readonly float OneMinusBeta2 = 1f - s.Beta2;
        public readonly float StepSize = s.Lr / (1f - MathF.Pow(s.Beta1, s.T));
        public readonly float Bias2Sqrt = MathF.Sqrt(1f - MathF.Pow(s.Beta2, s.T));
        public readonly float Eps = s.Eps;
        public readonly float GradScale = s.GradScale;
    }

    /// <summary>
    /// p ← p·(1 − lr·wd); m ← m + (g − m)(1 − β1); v ← v·β2 + (1 − β2)·g²; p ← p − step·m / (sqrt(v)/sqrt(1 − β2^t) + eps).
    /// The vector and scalar paths do the same IEEE operations in the same order (no fused multiply-add), so every
    /// element gets the same bits whichever path handles it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AdamWRange(float* p, float* g, float* m, float* v, long n, in AdamWConstants c)
    {
        long i = 0;
        var decay = Vector256.Create(c.Decay);
        var oneMinusBeta1 = Vector256.Create(c.OneMinusBeta1);
        var beta2 = Vector256.Create(c.Beta2);
        var oneMinusBeta2 = Vector256.Create(c.OneMinusBeta2);
        var stepSize = Vector256.Create(c.StepSize);
        var bias2Sqrt = Vector256.Create(c.Bias2Sqrt);
        var eps = Vector256.Create(c.Eps);
        var gradScale = Vector256.Create(c.GradScale);
        for (; i + 8 <= n; i += 8)
        {
            var gi = Vector256.Load(g + i) * gradScale;
            var pi = Vector256.Load(p + i) * decay;
            var mi = Vector256.Load(m + i);
            mi += (gi - mi) * oneMinusBeta1;
            var vi = Vector256.Load(v + i) * beta2 + oneMinusBeta2 * gi * gi;
            var denom = Vector256.Sqrt(vi) / bias2Sqrt + eps;
            Vector256.Store(pi - stepSize * mi / denom, p + i);
            Vector256.Store(mi, m + i);
            Vector256.Store(vi, v + i);
        }
        for (; i < n; i++)
        {
            float gi = g[i] * c.GradScale;
            float pi = p[i] * c.Decay;
            float mi = m[i];
            mi += (gi - mi) * c.OneMinusBeta1;
            float vi = v[i] * c.Beta2 + c.OneMinusBeta2 * gi * gi;
            float denom = MathF.Sqrt(vi) / c.Bias2Sqrt + c.Eps;
            p[i] = pi - c.StepSize * mi / denom;
            m[i] = mi;
            v[i] = vi;
        }
    }
}
