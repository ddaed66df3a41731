using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>
/// Clipping by the global L2 norm of all trainable gradients, as torch.nn.utils.clip_grad_norm_, kept on the
/// backend's device: each parameter's sum of squares goes into its own slot (<see cref="IBackend.SumsOfSquares"/>,
/// one launch on the GPU), <see cref="IBackend.ClipScale"/> adds the slots in double and writes the norm and torch's
/// factor min(1, maxNorm / (norm + 1e-6)), and <see cref="AdamW.Step(float, Tensor)"/> reads the factor there. The
/// clipper also keeps the step's losses on the device (<see cref="RecordLoss"/>, copied as each forward makes them),
/// so that <see cref="Step"/>, the clipped update every trainer takes, queues the whole step and then reads the
/// losses and the norm back together: one read-back (a synchronization) per training step.
/// </summary>
public sealed class GradientClipper : IDisposable
{
    private readonly IBackend _backend;
    private readonly Tensor _squares;                   // [parameters]: one slot per parameter, trainable or not (the trainable set may change)
    private readonly List<Tensor> _gradients = new();   // the trainable gradients of the last Compute, in parameter order
    private readonly List<string> _names = new();       // their parameters' names, for the error of a non-finite norm
    private readonly List<Tensor> _retired = new();     // read-backs outgrown during this step
    private Tensor _readback = null!;                   // [2 + 2·capacity]: norm, factor, the step's losses, its auxiliary losses
    private Tensor _normAndScale = null!, _scale = null!;
    private float[] _host = [];
    private int _capacity, _losses, _auxiliaryLosses;

    public GradientClipper(IBackend backend, IEnumerable<Parameter> parameters)
    {
        _backend = backend;
        _squares = Allocate(backend, Math.Max(1, parameters.Count()));
        Reserve(1);
    }

    /// <summary>The factor [1] of the last <see cref="Compute"/> (NaN when the norm or a recorded loss was not finite:
    /// AdamW then skips the update).</summary>
    public Tensor Scale => _scale;

    /// <summary>Starts a training step: forgets the losses recorded by one that did not reach <see cref="Step"/> (it threw).</summary>
    public void BeginStep() => _losses = _auxiliaryLosses = 0;

    /// <summary>Queues a copy of a micro-batch's loss [1] into the step's read-back (see <see cref="Step"/>).</summary>
    public void RecordLoss(Tensor loss)
    {
        Reserve(_losses + 1);
        _backend.Copy(loss, _readback.SliceRows(2 + _losses++, 1));
    }

    /// <summary>Queues a copy of an auxiliary loss [1] (reported, not checked) into the step's read-back.</summary>
    public void RecordAuxiliaryLoss(Tensor loss)
    {
        Reserve(_auxiliaryLosses + 1);
        _backend.Copy(loss, _readback.SliceRows(2 + _capacity + _auxiliaryLosses++, 1));
    }

    /// <summary>Queues the norm and the factor of <paramref name="parameters"/>' gradients (maxNorm ≤ 0: factor 1); a
    /// recorded loss that is not finite makes the factor NaN.</summary>
    public void Compute(IEnumerable<Parameter> parameters, double maxNorm)
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
        _backend.ClipScale(_squares.SliceRows(0, _gradients.Count), maxNorm, _normAndScale, _losses > 0 ? _readback.SliceRows(2, _losses) : null);
    }

    /// <summary>
    /// One clipped update, as every trainer takes it at the end of a step (after <see cref="BeginStep"/> and
    /// <see cref="RecordLoss"/> of each micro-batch's loss): queues the norm and factor of
    /// <paramref name="parameters"/>' gradients, then the AdamW step that reads the factor, then reads the losses and the
    /// norm back (the step's one wait). A recorded loss that is not finite throws, naming <paramref name="lossName"/> and
    /// <paramref name="stepNumber"/>, then a norm that is not finite, naming the step and the first parameter (in
    /// <paramref name="parameters"/>' order) whose gradient's sum of squares is not finite (a NaN or infinite element, or
    /// one too large to square in fp32); either way the device skipped the update and the step is not counted.
    /// </summary>
    public ClippedStep Step(AdamW adam, IEnumerable<Parameter> parameters, double maxNorm, float lrFactor, int stepNumber,
        string lossName = "the training loss")
    {
        Compute(parameters, maxNorm);
        adam.Step(lrFactor, Scale);
        int losses = _losses, auxiliaryLosses = _auxiliaryLosses;
        BeginStep();
        _backend.Download(_readback, _host);
        foreach (var t in _retired) t.Dispose();
        _retired.Clear();
        double lossSum = 0, auxiliarySum = 0;
        for (int i = 0; i < losses; i++)
        {
            float loss = _host[2 + i];
            if (!float.IsFinite(loss))
            {
                adam.StepCount--;
                throw new InvalidOperationException($"{lossName} is {loss} at step {stepNumber}");
            }
            lossSum += loss;
        }
        for (int i = 0; i < auxiliaryLosses; i++) auxiliarySum += _host[2 + _capacity + i];
        double norm = _host[0];
        if (!double.IsFinite(norm))
        {
            adam.StepCount--;
            throw new InvalidOperationException($"the gradient norm is {norm} at step {stepNumber}: {FirstNonFiniteGradient()}");
        }
        return new ClippedStep(norm, lossSum, auxiliarySum);
    }

    /// <summary>"the gradient of NAME has a sum of squares of Inf" for the first trainable parameter of the last
    /// <see cref="Compute"/> whose slot is not finite (read back only on this failure path).</summary>
    private string FirstNonFiniteGradient()
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

    /// <summary>Room for <paramref name="losses"/> losses and as many auxiliary losses: when there is not, a larger
    /// read-back with the step's recorded losses copied over; the old one is disposed after the step's read-back, when
    /// no queued copy can still read it.</summary>
    private void Reserve(int losses)
    {
        if (losses <= _capacity) return;
        int capacity = Math.Max(losses, 2 * _capacity);
        var readback = Allocate(_backend, 2 + 2 * capacity);
        if (_capacity > 0)
        {
            if (_losses > 0) _backend.Copy(_readback.SliceRows(2, _losses), readback.SliceRows(2, _losses));
            if (_auxiliaryLosses > 0) _backend.Copy(_readback.SliceRows(2 + _capacity, _auxiliaryLosses), readback.SliceRows(2 + capacity, _auxiliaryLosses));
            _retired.Add(_readback);
        }
        _readback = readback;
        _capacity = capacity;
        _normAndScale = readback.SliceRows(0, 2);
        _scale = readback.SliceRows(1, 1);
        _host = new float[2 + 2 * capacity];
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
        _readback.Dispose();
        foreach (var t in _retired) t.Dispose();
    }
}

/// <summary>What <see cref="GradientClipper.Step"/> read back: the gradient norm before clipping, and the sums (in
/// double, in recording order) of the step's losses and auxiliary losses.</summary>
public readonly record struct ClippedStep(double Norm, double LossSum, double AuxiliaryLossSum);
