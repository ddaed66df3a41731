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
/// lr is the group's base rate times the schedule's factor. Moments live on the parameters' device, every
/// parameter's first moments in one storage and its second moments in another (one slice per parameter, see
/// <see cref="Moments"/>), and a step is one multi-tensor op over the parameters that are trainable at that step
/// (<see cref="IBackend.AdamW(IReadOnlyList{AdamWTensors}, IReadOnlyList{AdamWStep}, Tensor?)"/>): on the GPU one
/// launch for all of them, all groups included, when they were adopted together. Frozen parameters are left out,
/// their moments kept as they are.
/// </summary>
public sealed class AdamW : IDisposable
{
    /// <summary>Bytes to which each parameter's moments are aligned in their storage.</summary>
    private const long MomentAlignment = 256;

    private readonly IBackend _backend;
    private readonly Dictionary<Parameter, (Tensor M, Tensor V)> _moments = new();
    private readonly Tensor _m, _v;                       // [all moments, padded]: the storages the slices view
    private readonly AdamWStep[] _groupSteps;             // [groups]: this step's hyper-parameters of each group
    private readonly List<AdamWTensors> _trainable = new();   // this step's trainable parameters, group by group
    private readonly List<Tensor> _gradients = new();         // every optimized parameter's gradient, for ZeroGrad

    public AdamW(IBackend backend, IEnumerable<ParameterGroup> groups, float beta1 = 0.9f, float beta2 = 0.999f, float eps = 1e-8f)
    {
        if (beta1 is < 0 or >= 1 || beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), "betas must be in [0, 1)");
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps), "eps must be positive");
        _backend = backend;
        Groups = groups.ToArray();
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        _groupSteps = new AdamWStep[Groups.Count];
        var offsets = new Dictionary<Parameter, long>();
        long bytes = 0;
        foreach (var p in Groups.SelectMany(g => g.Parameters))
        {
            if (!offsets.TryAdd(p, bytes)) throw new ArgumentException($"parameter {p.Name} is in two groups");
            bytes += (p.Value.Bytes + MomentAlignment - 1) / MomentAlignment * MomentAlignment;
        }
        _m = NewZeros(bytes);
        _v = NewZeros(bytes);
        foreach (var (p, offset) in offsets)
            _moments[p] = (new Tensor(_m.Storage, offset, p.Shape, DType.F32, ownsStorage: false),
                new Tensor(_v.Storage, offset, p.Shape, DType.F32, ownsStorage: false));
    }

    public IReadOnlyList<ParameterGroup> Groups { get; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Eps { get; }

    /// <summary>Steps taken so far (torch's per-parameter "step" state, shared here).</summary>
    public int StepCount { get; set; }

    /// <summary>First and second moment of a parameter (for checkpoints): views of the optimizer's moment storages.</summary>
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
        _trainable.Clear();
        // Index loops: foreach over the IReadOnlyList interfaces would box an enumerator every step.
        for (int g = 0; g < Groups.Count; g++)
        {
            var group = Groups[g];
            _groupSteps[g] = new AdamWStep(group.Lr * lrFactor, Beta1, Beta2, Eps, group.WeightDecay, StepCount, gradScale);
            for (int i = 0; i < group.Parameters.Count; i++)
            {
                var p = group.Parameters[i];
                if (!p.Trainable) continue;
                var (m, v) = _moments[p];
                _trainable.Add(new AdamWTensors(p.Value, p.Grad, m, v, g));
            }
        }
        _backend.AdamW(_trainable, _groupSteps, deviceScale);
    }

    /// <summary>Sets every gradient of the optimized parameters to zero (one multi-tensor op: one launch on the GPU).</summary>
    public void ZeroGrad()
    {
        _gradients.Clear();
        foreach (var p in _moments.Keys) _gradients.Add(p.Grad);
        _backend.Zero(_gradients);
    }

    /// <summary>A zeroed fp32 tensor of <paramref name="bytes"/> that owns its storage.</summary>
    private Tensor NewZeros(long bytes)
    {
        var t = new Tensor(_backend.Allocate(bytes), 0, new Shape(checked((int)(bytes / sizeof(float)))), DType.F32, ownsStorage: true);
        _backend.Zero(t);
        return t;
    }

    public void Dispose()
    {
        _m.Dispose();
        _v.Dispose();
        _moments.Clear();
    }
}
