using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>
/// Clipping by the global L2 norm of all trainable gradients, as torch.nn.utils.clip_grad_norm_, kept on the
/// backend's device: each parameter's sum of squares goes into its own slot, <see cref="IBackend.ClipScale"/> adds the
/// slots in double and writes the norm and torch's factor min(1, maxNorm / (norm + 1e-6)), and
/// <see cref="AdamW.Step(float, Tensor)"/> reads the factor there. So the update is queued without the host waiting
/// for the gradients; <see cref="ReadNorm"/> is the one read-back (a synchronization), taken after the update is queued.
/// </summary>
public sealed class GradientClipper : IDisposable
{
    private readonly IBackend _backend;
    private readonly Tensor _squares;        // [parameters]: one slot per parameter, trainable or not (the trainable set may grow)
    private readonly Tensor _normAndScale;   // [2]: the norm, then the factor

    public GradientClipper(IBackend backend, IEnumerable<Parameter> parameters)
    {
        _backend = backend;
        _squares = Allocate(backend, Math.Max(1, parameters.Count()));
        _normAndScale = Allocate(backend, 2);
    }

    /// <summary>The factor [1] of the last <see cref="Compute"/> (NaN when the norm was not finite: AdamW then skips the update).</summary>
    public Tensor Scale => _normAndScale.SliceRows(1, 1);

    /// <summary>Queues the norm and the factor of <paramref name="parameters"/>' gradients (maxNorm ≤ 0: factor 1).</summary>
    public void Compute(IEnumerable<Parameter> parameters, double maxNorm)
    {
        int used = 0;
        foreach (var p in parameters)
        {
            if (!p.Trainable) continue;
            if (used == _squares.Count) throw new ArgumentException($"more trainable parameters than the {_squares.Count} this clipper was made for");
            _backend.SumOfSquares(p.Grad, _squares.SliceRows(used++, 1));
        }
        _backend.ClipScale(_squares.SliceRows(0, used), maxNorm, _normAndScale);
    }

    /// <summary>
    /// One clipped update, as every trainer takes it: queues the norm and factor of <paramref name="parameters"/>' gradients,
    /// then the AdamW step that reads the factor, then reads the norm back (the one wait) and returns it. A norm that is not
    /// finite (the update was skipped) throws, naming <paramref name="stepNumber"/>.
    /// </summary>
    public double Step(AdamW adam, IEnumerable<Parameter> parameters, double maxNorm, float lrFactor, int stepNumber)
    {
        Compute(parameters, maxNorm);
        adam.Step(lrFactor, Scale);
        double norm = ReadNorm();
        if (!double.IsFinite(norm)) throw new InvalidOperationException($"the gradient norm is {norm} at step {stepNumber}");
        return norm;
    }

    /// <summary>The norm of the last <see cref="Compute"/>, read back from the device (waits for the queued work).</summary>
    public double ReadNorm()
    {
        Span<float> norm = stackalloc float[1];
        _backend.Download(_normAndScale.SliceRows(0, 1), norm);
        return norm[0];
    }

    private static Tensor Allocate(IBackend backend, int n)
    {
        var t = new Tensor(backend.Allocate(n * sizeof(float)), 0, new Shape(n), DType.F32, ownsStorage: true);
        backend.Zero(t);
        return t;
    }

    public void Dispose()
    {
        _squares.Dispose();
        _normAndScale.Dispose();
    }
}
