using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // squares [n]; normAndScale [2]; losses [m] or null
    public void ClipScale(Tensor squares, double maxNorm, Tensor normAndScale, Tensor? losses = null)
    {
        OptimizerShape.ClipScale(squares, normAndScale, losses);
        _kernels.ClipScale(new KernelConfig(1, OptimizerKernels.ClipThreads), F(squares), F(normAndScale), checked((int)squares.Count), maxNorm,
            Optional(losses), losses == null ? 0 : checked((int)losses.Count));
    }

    // param, grad, m, v: the same element count; deviceScale [1] or null
    public void AdamW(Tensor param, Tensor grad, Tensor m, Tensor v, in AdamWStep s, Tensor? deviceScale = null)
    {
        long n = OptimizerShape.AdamW(param, grad, m, v, deviceScale).Count;
        if (n == 0) return;
        _kernels.AdamW(StrideLaunch(n), F(param), F(grad), F(m), F(v), Optional(deviceScale), deviceScale == null ? 0 : 1, (int)n, Scalars(s));
    }

    /// <summary>The host-side scalars of AdamW, in fp32 as the CPU backend computes them.</summary>
    private static AdamWScalars Scalars(in AdamWStep s) => new(1f - s.Lr * s.WeightDecay, 1f - s.Beta1, s.Beta2, 1f - s.Beta2,
        s.Lr / (1f - MathF.Pow(s.Beta1, s.T)), MathF.Sqrt(1f - MathF.Pow(s.Beta2, s.T)), s.Eps, s.GradScale);
}
