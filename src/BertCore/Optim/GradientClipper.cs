using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>
/// Clipping by the global L2 norm of all trainable gradients, as torch.nn.utils.clip_grad_norm_, kept on the
/// backend's device: each parameter's sum of squares goes into its own slot (<see cref="IBackend.SumsOfSquares"/>,
/// one launch on the GPU), <see cref="IBackend.ClipScale"/> adds the slots in double and writes the norm and torch's
/// factor min(1, maxNorm / (norm + 1e-6)), and <see cref="AdamW.Step(float, Tensor)"/> reads the factor there. The
/// clipper only clips: nothing is read back unless asked (<see cref="ReadNorm"/>); a training step reads the norm back
/// with its losses (see <see cref="Training.TrainingStep"/>).
/// </summary>
public sealed class GradientClipper : IDisposable
{
    private readonly IBackend _backend;
    private readonly Tensor _squares;                   // [parameters]: one slot per parameter, trainable or not (the trainable set may change)
    private readonly Tensor _normAndScale;              // [2]: the norm and the factor of the last Compute
    private readonly List<Tensor> _gradients = new();   // the trainable gradients of the last Compute, in parameter order
    private readonly List<string> _names = new();       // their parameters' names, for the error of a non-finite norm

    /// <param name="parameters">Every parameter that may be clipped (one slot each).</param>
    public GradientClipper(IBackend backend, IEnumerable<Parameter> parameters)
    {
        _backend = backend;
        _squares = Allocate(backend, Math.Max(1, parameters.Count()));
        _normAndScale = Allocate(backend, 2);
        Scale = _normAndScale.SliceRows(1, 1);
    }

    /// <summary>The norm and the factor [2] of the last <see cref="Compute"/>, on the device.</summary>
    public Tensor NormAndScale => _normAndScale;

    /// <summary>The factor [1] of the last <see cref="Compute"/> (NaN when the norm or a given loss was not finite:
    /// AdamW then skips the update).</summary>
    public Tensor Scale { get; }

    /// <summary>Queues the norm and the factor of <paramref name="parameters"/>' trainable gradients (maxNorm ≤ 0:
    /// factor 1). A loss in <paramref name="losses"/> ([n] on the device, optional) that is not finite makes the factor NaN.</summary>
    public void Compute(IEnumerable<Parameter> parameters, double maxNorm, Tensor? losses = null)
    {
        _gradients.Clear();
        _names.Clear();
        foreach (var p in parameters)
            if (p.Trainable)
            {
                _gradients.Add(p.Grad);
                _names.Add(p.Name);
            }
        if (_gradients.Count > _squares.Count) throw new ArgumentException($"more trainable parameters than the {_squares.Count} this clipper was made for");
        _backend.SumsOfSquares(_gradients, _squares);
        _backend.ClipScale(_squares.SliceRows(0, _gradients.Count), maxNorm, _normAndScale, losses);
    }

    /// <summary>"the gradient of NAME is the first whose sum of squares is not finite (Inf)" for the first trainable
    /// parameter of the last <see cref="Compute"/> whose slot is not finite (reads the slots back: for the error of a
    /// norm that is not finite).</summary>
    public string DescribeNonFiniteGradient()
    {
        var squares = new float[_gradients.Count];
        _backend.Download(_squares.SliceRows(0, squares.Length), squares);
        int first = Array.FindIndex(squares, s => !float.IsFinite(s));
        return first < 0
            ? "every gradient's sum of squares is finite, their total is not"
            : $"the gradient of {_names[first]} is the first whose sum of squares is not finite ({squares[first]})";
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
