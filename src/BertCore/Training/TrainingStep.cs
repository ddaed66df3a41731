using BertCore.Autograd;
using BertCore.Backends;
using BertCore.IO;
using BertCore.Optim;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>What one <see cref="TrainingStep"/> did.</summary>
/// <param name="Step">Optimizer steps taken, this one included.</param>
/// <param name="Loss">Mean loss over the step's micro-batches (the sum of the recorded losses / micro-batches).</param>
/// <param name="AuxiliaryLoss">Mean auxiliary loss over the micro-batches (0 when none was recorded).</param>
/// <param name="GradNorm">Global L2 norm of the trainable gradients before clipping (NaN when the step measures none).</param>
/// <param name="LrFactor">The schedule's factor this step used: each group's rate × LrFactor.</param>
public readonly record struct TrainingStepResult(int Step, double Loss, double AuxiliaryLoss, double GradNorm, float LrFactor);

/// <summary>
/// One optimizer step, written once for every trainer. It owns the graph, the optimizer, the learning-rate schedule,
/// the gradient clipper and the step's loss read-back:
/// <code>
/// Begin(k):        ZeroGrad; forget the recorded losses; dropout on
/// k × Accumulate:  record the loss [1] on the device; Backward((loss + w·auxiliary) · 1/k); Reset
/// Finish:          norm, factor = clip(trainable gradients, losses); AdamW.Step(schedule(step), factor);
///                  read the losses and the norm back (the step's one synchronization)
/// </code>
/// A recorded loss or a gradient norm that is not finite makes the factor NaN on the device, so AdamW skips the
/// update; <see cref="Finish"/> then throws and the step is not counted. Without clipping
/// (<see cref="MaxGradNorm"/> null: no norm is measured, as a benchmark step runs) the update is not gated, and a
/// loss that is not finite throws after it. The caller says how a batch becomes a loss: it runs the forward on
/// <see cref="Graph"/> between <see cref="Begin"/> and <see cref="Accumulate"/>.
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly GradientClipper? _clipper;
    private readonly LossReadback _losses;
    private int _microBatches;

    /// <param name="parameters">The parameters clipped (their trainable gradients make the norm); the optimizer's.</param>
    /// <param name="optimizer">The optimizer over <paramref name="parameters"/> (the step disposes it).</param>
    /// <param name="schedule">Step t (0-based: the steps taken before it) uses the factor schedule.Factor(t).</param>
    /// <param name="maxGradNorm">Clip to this global norm (0: measure the norm, do not clip; null: neither).</param>
    /// <param name="seed">The dropout seed of <see cref="Graph"/>.</param>
    public TrainingStep(IBackend backend, IReadOnlyList<Parameter> parameters, AdamW optimizer, LrSchedule schedule, double? maxGradNorm, ulong seed)
    {
        Backend = backend;
        _parameters = parameters;
        Optimizer = optimizer;
        Schedule = schedule;
        MaxGradNorm = maxGradNorm;
        Graph = new Graph(backend) { Seed = seed };
        _clipper = maxGradNorm == null ? null : new GradientClipper(backend, parameters);
        _losses = new LossReadback(backend);
    }

    public IBackend Backend { get; }

    /// <summary>The graph the forwards run on (its seed and RNG position are a checkpoint's).</summary>
    public Graph Graph { get; }

    public AdamW Optimizer { get; }
    public LrSchedule Schedule { get; }
    public double? MaxGradNorm { get; }

    /// <summary>Optimizer steps taken so far (set when resuming: <see cref="AdamW.StepCount"/>).</summary>
    public int Count => Optimizer.StepCount;

    /// <summary>Starts a step of <paramref name="microBatches"/> micro-batches: zeroes the gradients, forgets the losses
    /// of a step that threw, turns dropout on.</summary>
    public void Begin(int microBatches = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        _microBatches = microBatches;
        Optimizer.ZeroGrad();
        _losses.Clear();
        Graph.Training = true;
    }

    /// <summary>
    /// Ends a micro-batch whose forward ran on <see cref="Graph"/>: records <paramref name="loss"/> [1] (and
    /// <paramref name="auxiliary"/> [1], if any) for the read-back, back-propagates (loss + auxiliaryWeight ·
    /// auxiliary) / micro-batches and resets the graph. A null loss (nothing to learn from in the batch) only resets.
    /// </summary>
    public void Accumulate(Tensor? loss, Tensor? auxiliary = null, float auxiliaryWeight = 0)
    {
        if (loss != null)
        {
            _losses.Record(loss);
            if (auxiliary != null)
            {
                _losses.RecordAuxiliary(auxiliary);
                loss = Graph.Add(loss, auxiliary, 1f, auxiliaryWeight);
            }
            Graph.Backward(Graph.Scale(loss, 1f / _microBatches));
        }
        Graph.Reset();
    }

    /// <summary>Clips, updates and reads the step's losses and norm back (see the class summary).</summary>
    /// <param name="lossName">Names the loss in the error of one that is not finite.</param>
    /// <exception cref="InvalidOperationException">A loss or the gradient norm is not finite (the update was skipped
    /// and the step is not counted, unless clipping is off).</exception>
    public TrainingStepResult Finish(string lossName = "the training loss")
    {
        float factor = Schedule.Factor(Count);
        int stepNumber = Count + 1;
        if (_clipper != null)
        {
            _clipper.Compute(_parameters, MaxGradNorm!.Value, _losses.Losses);
            Optimizer.Step(factor, _clipper.Scale);
        }
        else Optimizer.Step(factor);
        var read = _losses.Read(_clipper?.NormAndScale);   // the step's one read-back
        if (read.FirstNonFiniteLoss is { } bad)
        {
            if (_clipper != null) Optimizer.StepCount--;
            throw new InvalidOperationException($"{lossName} is {bad} at step {stepNumber}");
        }
        if (_clipper != null && !double.IsFinite(read.Norm))
        {
            Optimizer.StepCount--;
            throw new InvalidOperationException($"the gradient norm is {read.Norm} at step {stepNumber}: {_clipper.DescribeNonFiniteGradient()}");
        }
        return new TrainingStepResult(Count, read.LossSum / _microBatches, read.AuxiliaryLossSum / _microBatches, read.Norm, factor);
    }

    /// <summary>
    /// Writes the step's state, what an exact resume needs besides the model, to the safetensors file
    /// <paramref name="path"/>: <c>step</c> (I32 [1]) and, for each of <paramref name="parameters"/>, its value
    /// <c>w.NAME</c> (when <paramref name="withValues"/>) and its AdamW moments <c>m.NAME</c>, <c>v.NAME</c>. The dropout
    /// RNG position (<see cref="Graph"/>'s Seed and RngOffset) goes into the caller's state file.
    /// </summary>
    public void SaveState(string path, IEnumerable<Parameter> parameters, bool withValues)
    {
        using var step = Tensor.FromArray([Count], 1);
        var tensors = new List<KeyValuePair<string, Tensor>> { new("step", step) };
        foreach (var p in parameters)
        {
            var (m, v) = Optimizer.Moments(p);
            if (withValues) tensors.Add(new("w." + p.Name, p.Value));
            tensors.Add(new("m." + p.Name, m));
            tensors.Add(new("v." + p.Name, v));
        }
        SafeTensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["format"] = "bertcore-adamw" });
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote to <paramref name="path"/>, then the step count
    /// <paramref name="step"/> and the dropout RNG position, both read from the checkpoint's state file
    /// <paramref name="statePath"/>.</summary>
    /// <exception cref="InvalidFileException">A tensor is missing or malformed, or the file's step is not <paramref name="step"/>.</exception>
    public void RestoreState(string path, IEnumerable<Parameter> parameters, bool withValues, string statePath, int step, ulong rngSeed, ulong rngOffset)
    {
        using (var file = SafeTensorsFile.Open(path))
        {
            int savedStep = PretrainingCheckpoint.ReadState(file, path, "step", null);
            if (savedStep != step) throw new InvalidFileException(path, null, $"step {savedStep} differs from step {step} of {statePath}");
            foreach (var p in parameters)
            {
                var (m, v) = Optimizer.Moments(p);
                if (withValues) PretrainingCheckpoint.ReadState(file, path, "w." + p.Name, p.Value);
                PretrainingCheckpoint.ReadState(file, path, "m." + p.Name, m);
                PretrainingCheckpoint.ReadState(file, path, "v." + p.Name, v);
            }
        }
        Optimizer.StepCount = step;
        Graph.Seed = rngSeed;
        Graph.RngOffset = rngOffset;
    }

    public void Dispose()
    {
        _losses.Dispose();
        _clipper?.Dispose();
        Optimizer.Dispose();
        Graph.Dispose();
    }
}
