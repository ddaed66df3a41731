using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>The per-step scalars of torch.optim.AdamW's single-tensor path, computed on the host in fp32 as the
/// CPU backend does: Decay = 1 − lr·wd, StepSize = lr / (1 − β1^t), Bias2Sqrt = sqrt(1 − β2^t).</summary>
public readonly record struct AdamWParams(int Count, float Decay, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
    float StepSize, float Bias2Sqrt, float Eps, float GradScale);

/// <summary>The AdamW update, element-wise. Launch: any grid (grid-stride loop).</summary>
public static class OptimizerKernels
{
    /// <summary>
    /// g = grad·GradScale; p ← p·Decay; m ← m + (g − m)·(1 − β1); v ← v·β2 + (1 − β2)·g²;
    /// p ← p − StepSize·m / (sqrt(v)/Bias2Sqrt + eps): the CPU backend's operations in its order.
    /// param, grad, m, v [Count].
    /// </summary>
    public static void AdamW(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v, AdamWParams s)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < s.Count; i += stride)
        {
            float g = grad[i] * s.GradScale;
            float p = param[i] * s.Decay;
            float mi = m[i] + (g - m[i]) * s.OneMinusBeta1;
            float vi = v[i] * s.Beta2 + s.OneMinusBeta2 * g * g;
            m[i] = mi;
            v[i] = vi;
            param[i] = p - s.StepSize * mi / (XMath.Sqrt(vi) / s.Bias2Sqrt + s.Eps);
        }
    }
}
