using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>
/// AdamW exactly as torch.optim.AdamW (amsgrad off): for each trainable parameter with gradient g at step t,
/// <code>
/// p ← p − lr·wd·p                      (decoupled weight decay, applied first)
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// p ← p − lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + eps)   (eps added after the square root)
/// </code>
/// lr is the group's base rate times the schedule's factor. Moments live on the parameters' device.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IBackend _backend;
    private readonly Dictionary<Parameter, (Tensor M, Tensor V)> _moments = new();

    public AdamW(IBackend backend, IEnumerable<ParameterGroup> groups, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), "betas must be in [0, 1)");
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps), "eps must be positive");
        _backend = backend;
        Groups = groups.ToArray();
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        foreach (var p in Groups.SelectMany(g => g.Parameters))
        {
            if (_moments.ContainsKey(p)) throw new ArgumentException($"parameter {p.Name} is in two groups");
            _moments[p] = (NewZeros(p), NewZeros(p));
        }
    }

    public IReadOnlyList<ParameterGroup> Groups { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }

    /// <summary>Steps taken so far (torch's per-parameter "step" state, shared here).</summary>
    public int StepCount { get; set; }

    /// <summary>First and second moment of a parameter (for checkpoints).</summary>
    public (Tensor M, Tensor V) Moments(Parameter p) => _moments[p];

    /// <summary>Updates every trainable parameter from its gradient. <paramref name="lrFactor"/> is the
    /// schedule's multiplier; <paramref name="gradScale"/> multiplies gradients first (clipping, loss scaling).</summary>
    public void Step(float lrFactor = 1f, float gradScale = 1f) => Step(lrFactor, gradScale, null);

    /// <summary>As <see cref="Step(float, float)"/>, gradients multiplied by deviceScale[0], a [1] tensor of the backend
    /// read where it lives (<see cref="GradientClipper.Scale"/>: clipping without a host read-back).</summary>
    public void Step(float lrFactor, Tensor deviceScale) => Step(lrFactor, 1f, deviceScale);

    private void Step(float lrFactor, float gradScale, Tensor? deviceScale)
    {
        StepCount++;
        // Index loops: foreach over the IReadOnlyList interfaces would box an enumerator every step.
        for (int g = 0; g < Groups.Count; g++)
        {
            var group = Groups[g];
            var step = new AdamWStep(group.Lr * lrFactor, Beta1, Beta2, Eps, group.WeightDecay, StepCount, gradScale);
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var p = group.Parameters[i];
                if (!p.Trainable) continue;
                var (m, v) = _moments[p];
                _backend.AdamW(p.Value, p.Grad, m, v, step, deviceScale);
            }
        }
    }

    /// <summary>Sets every gradient of the optimized parameters to zero.</summary>
    public void ZeroGrad()
    {
        foreach (var p in _moments.Keys) _backend.Zero(p.Grad);
    }

    private Tensor NewZeros(Parameter p)
    {
        var t = new Tensor(_backend.Allocate(p.Value.Bytes), 0, p.Shape, DType.F32, ownsStorage: true);
        _backend.Zero(t);
        return t;
    }

    public void Dispose()
    {
        foreach (var (m, v) in _moments.Values) { m.Dispose(); v.Dispose(); }
        _moments.Clear();
    }
}
