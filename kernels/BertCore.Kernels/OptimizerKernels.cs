using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>The per-step scalars of torch.optim.AdamW's single-tensor path for one parameter group, computed on the
/// host in fp32 as the CPU backend does: Decay = 1 − lr·wd, StepSize = lr / (1 − β1^t), Bias2Sqrt = sqrt(1 − β2^t).</summary>
public readonly record struct AdamWScalars(float Decay, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
    float StepSize, float Bias2Sqrt, float Eps, float GradScale);

/// <summary>Global-norm clipping and the AdamW update of one tensor (the multi-tensor forms: <see cref="MultiTensorKernels"/>).</summary>
public static class OptimizerKernels
{
    /// <summary>Threads of the one group of <see cref="ClipScale"/>.</summary>
    public const int ClipThreads = 256;

    /// <summary>
    /// normAndScale = (‖g‖, min(1, maxNorm / (‖g‖ + 1e-6))) with ‖g‖ = sqrt(Σ squares) in double (thread t adds slots
    /// t, t + 256, .. in order, then a fixed tree); the factor is 1 when maxNorm ≤ 0 and NaN when ‖g‖ or one of the
    /// losses is not finite. squares [count]; normAndScale [2]; losses [lossCount].
    /// Launch: grid 1, group <see cref="ClipThreads"/>.
    /// </summary>
    public static void ClipScale(ArrayView<float> squares, ArrayView<float> normAndScale, int count, double maxNorm,
        ArrayView<float> losses, int lossCount)
    {
        var totals = SharedMemory.Allocate<double>(ClipThreads);
        int t = Group.IdxX;
        double total = 0;
        for (int i = t; i < count; i += ClipThreads) total += squares[i];
        totals[t] = total;
        Group.Barrier();
        for (int half = ClipThreads / 2; half > 0; half >>= 1)
        {
            if (t < half) totals[t] += totals[t + half];
            Group.Barrier();
        }
        if (t != 0) return;
        bool lossesFinite = true;
        for (int i = 0; i < lossCount; i++) lossesFinite &= !XMath.IsNaN(losses[i]) && !XMath.IsInfinity(losses[i]);
        double norm = XMath.Sqrt(totals[0]);
        normAndScale[0] = (float)norm;
        normAndScale[1] = XMath.IsNaN(norm) || XMath.IsInfinity(norm) || !lossesFinite ? float.NaN
            : maxNorm <= 0 ? 1f : (float)XMath.Min(1.0, maxNorm / (norm + 1e-6));
    }

    /// <summary>
    /// <see cref="Update"/> of every element, the gradients times s.GradScale (times scale[0] when hasScale; a NaN
    /// scale[0] leaves everything unchanged). param, grad, m, v [count]; scale [1] (read when hasScale).
    /// Launch: any grid (grid-stride loop).
    /// </summary>
    public static void AdamW(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v,
        ArrayView<float> scale, int hasScale, int count, AdamWScalars s)
    {
        if (hasScale != 0 && XMath.IsNaN(scale[0])) return;
        float gradScale = hasScale != 0 ? s.GradScale * scale[0] : s.GradScale;
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < count; i += stride) Update(param, grad, m, v, i, s, gradScale);
    }

    /// <summary>
    /// Element i: g = grad·gradScale; p ← p·Decay; m ← m + (g − m)·(1 − β1); v ← v·β2 + (1 − β2)·g²;
    /// p ← p − StepSize·m / (sqrt(v)/Bias2Sqrt + eps): the CPU backend's operations in its order. Both AdamW kernels
    /// run this, so that they compile to the same arithmetic. param, grad, m, v [> i].
    /// </summary>
    internal static void Update(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v,
        int i, AdamWScalars s, float gradScale)
    {
        float g = grad[i] * gradScale;
        float p = param[i] * s.Decay;
        float mi = m[i] + (g - m[i]) * s.OneMinusBeta1;
        float vi = v[i] * s.Beta2 + s.OneMinusBeta2 * g * g;
        m[i] = mi;
        v[i] = vi;
        param[i] = p - s.StepSize * mi / (XMath.Sqrt(vi) / s.Bias2Sqrt + s.Eps);
    }
}
