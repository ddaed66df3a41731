using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Distributed;
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
/// k × (StartMicroBatch(i); forward; Accumulate):
///                  record the loss [1] on the device; Backward((loss + w·auxiliary) · 1/k) into a zeroed gradient;
///                  total += it (the first: total = it); Reset
/// Finish:          norm, factor = clip(trainable gradients, losses); AdamW.Step(schedule(step), factor);
///                  read the losses and the norm back (the step's one synchronization)
/// </code>
/// Each micro-batch's gradient is made on its own and added to the total in micro-batch order (rather than
/// back-propagated into the running total), and micro-batch i ≥ 1 draws its dropout numbers from
/// start + i·<see cref="MicroBatchRngStride"/> (start: the step's first RNG position; the step ends where its last
/// micro-batch ended), so that no micro-batch depends on another. That is what makes data parallelism exact: with a
/// <see cref="World"/> of N ranks, rank r runs micro-batches r, r+N, ... (<see cref="StartMicroBatch"/> says which),
/// the ranks exchange their gradients in each round of N micro-batches (bucket by bucket, each sent while the backward
/// still runs: <see cref="GradientBucketMegabytes"/>) and add them in micro-batch order (<see cref="GradientExchange"/>),
/// and gather the losses before clipping, so every rank clips and updates with bitwise the gradient and losses of one
/// process running the k micro-batches, and the parameters stay in sync.
/// A recorded loss or a gradient norm that is not finite makes the factor NaN on the device, so AdamW skips the
/// update; <see cref="Finish"/> then throws and the step is not counted. Without clipping
/// (<see cref="MaxGradNorm"/> null: no norm is measured, as a benchmark step runs) the update is not gated, and a
/// loss that is not finite throws after it. The caller says how a batch becomes a loss: it runs the forward on
/// <see cref="Graph"/> between <see cref="StartMicroBatch"/> and <see cref="Accumulate"/> (a caller of one process
/// may leave StartMicroBatch out: its micro-batches then draw their dropout numbers one after the other).
/// </summary>
public sealed class TrainingStep : IDisposable
{
    private readonly IReadOnlyList<Parameter> _parameters;
    private readonly GradientClipper? _clipper;
    private readonly LossReadback _losses;
    private readonly GradientExchange? _exchange;             // with more than one rank
    private readonly List<Parameter> _trainable = new();      // the step's trainable parameters
    private readonly Dictionary<Parameter, Tensor> _carry = new();   // one process: the total while a micro-batch back-propagates
    private int _microBatches, _next;   // the step's micro-batches; the next one to start
    private bool _started, _hasGradient;   // a micro-batch was started and not yet accumulated; the total holds a gradient
    private ulong _rngStart;            // the dropout RNG position at the step's start

    /// <summary>Micro-batch i ≥ 1 of a step draws its dropout (and sampling) numbers from the step's first RNG position
    /// + i × this (2^36: 57 times the numbers BERT-base draws for 32 sequences of 512 tokens).</summary>
    public const ulong MicroBatchRngStride = 1UL << 36;

    /// <param name="parameters">The parameters clipped (their trainable gradients make the norm); the optimizer's.</param>
    /// <param name="optimizer">The optimizer over <paramref name="parameters"/> (the step disposes it).</param>
    /// <param name="schedule">Step t (0-based: the steps taken before it) uses the factor schedule.Factor(t).</param>
    /// <param name="maxGradNorm">Clip to this global norm (0: measure the norm, do not clip; null: neither).</param>
    /// <param name="seed">The dropout seed of <see cref="Graph"/>.</param>
    /// <param name="world">The ranks of a data-parallel run (default: this process alone). With more than one, the
    /// parameters' values are broadcast from rank 0 here (every rank constructs its step), and the parameters must be in
    /// host memory (the CPU backend).</param>
    public TrainingStep(IBackend backend, IReadOnlyList<Parameter> parameters, AdamW optimizer, LrSchedule schedule, double? maxGradNorm, ulong seed,
        ICommunicator? world = null)
    {
        World = world ?? SingleProcess.Instance;
        if (World.Size > 1)
        {
            GradientBucketMegabytes = MpiLaunch.BucketMegabytes;
            World.RequireSameOnEveryRank(GradientBucketMegabytes, MpiLaunch.BucketVariable);
            foreach (var p in parameters)
            {
                if (p.Value.Device != DeviceKind.Cpu)
                    throw new InvalidOperationException("data-parallel training runs on the CPU backend only (no NCCL binding for --device cuda yet)");
                World.Broadcast(p.Value.Span, "the initial parameters");
            }
            _exchange = new GradientExchange(World, backend);
        }
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

    /// <summary>The ranks that share each step (<see cref="SingleProcess"/> by default).</summary>
    public ICommunicator World { get; }

    /// <summary>The graph the forwards run on (its seed and RNG position are a checkpoint's).</summary>
    public Graph Graph { get; }

    /// <summary>
    /// With more than one rank: the size, in MiB, of the buckets of gradients that each rank sends as soon as its
    /// backward pass has finished them, while the rest of the backward runs (0: the whole gradient in one exchange after
    /// the backward). The result is the same bits at any size. Starts as <see cref="MpiLaunch.BucketMegabytes"/> (the
    /// BERTCORE_MPI_BUCKET_MB variable, else 25); every rank must use the same size; a change applies from the next
    /// <see cref="Begin"/>. Above 0, run no other collective on <see cref="World"/> between Begin and
    /// <see cref="Finish"/>: a rank sends its buckets during its backward, a rank without a micro-batch at the end of
    /// the round, so a collective in between would come in another order on different ranks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size that is negative or not finite.</exception>
    public double GradientBucketMegabytes
    {
        get;
        set => field = double.IsFinite(value) && value >= 0 ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "the gradient bucket size is a number of MiB ≥ 0");
    }

    public AdamW Optimizer { get; }
    public LrSchedule Schedule { get; }
    public double? MaxGradNorm { get; }

    /// <summary>Optimizer steps taken so far (set when resuming: <see cref="AdamW.StepCount"/>).</summary>
    public int Count => Optimizer.StepCount;

    /// <summary>Starts a step of <paramref name="microBatches"/> micro-batches (of every rank together): zeroes the
    /// gradients, forgets the losses of a step that threw, turns dropout on.</summary>
    public void Begin(int microBatches = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        _microBatches = microBatches;
        Optimizer.ZeroGrad();
        _losses.Clear();
        Graph.Training = true;
        _trainable.Clear();
        foreach (var p in _parameters)
            if (p.Trainable) _trainable.Add(p);
        (_next, _started, _hasGradient, _rngStart) = (0, false, false, Graph.RngOffset);
        _exchange?.Begin(microBatches, _trainable, (long)(GradientBucketMegabytes * (1 << 20)));
        Graph.Observer = null;
    }

    /// <summary>
    /// Starts micro-batch <paramref name="index"/> (0, 1, ... in order, on every rank): places the dropout RNG at the
    /// micro-batch's own position and returns whether this rank runs it (index mod ranks = rank). A rank that does,
    /// runs its forward on <see cref="Graph"/> and calls <see cref="Accumulate"/>; the others go on to the next index.
    /// </summary>
    public bool StartMicroBatch(int index)
    {
        if (index != _next || index >= _microBatches)
            throw new InvalidOperationException($"micro-batch {index} started out of order: the step expects {_next} of {_microBatches}");
        if (_started) throw new InvalidOperationException($"micro-batch {index - 1} was started but not accumulated");
        _next++;
        if (_exchange != null && index > 0 && index % World.Size == 0) _exchange.EndRound(RoundName(index / World.Size - 1));
        Graph.RngOffset = MicroBatchRngStart(index);
        _started = index % World.Size == World.Rank;
        if (_started && _exchange != null && GradientBucketMegabytes > 0) _exchange.Watch(Graph);
        return _started;
    }

    private ulong MicroBatchRngStart(int index) => _rngStart + (ulong)index * MicroBatchRngStride;

    private string RoundName(int round) => $"the gradients of step {Count + 1}, micro-batches {round * World.Size}-{Math.Min(_microBatches, (round + 1) * World.Size) - 1}";

    /// <summary>
    /// Ends a micro-batch whose forward ran on <see cref="Graph"/>: records <paramref name="loss"/> [1] (and
    /// <paramref name="auxiliary"/> [1], if any) for the read-back, back-propagates (loss + auxiliaryWeight ·
    /// auxiliary) / micro-batches and resets the graph. A null loss (nothing to learn from in the batch) only resets.
    /// </summary>
    public void Accumulate(Tensor? loss, Tensor? auxiliary = null, float auxiliaryWeight = 0)
    {
        if (!_started)
        {
            if (World.Size > 1) throw new InvalidOperationException("a data-parallel step needs StartMicroBatch before each micro-batch's forward");
            if (_next >= _microBatches) throw new InvalidOperationException($"more micro-batches accumulated than the {_microBatches} of the step");
            _next++;
        }
        bool positioned = _started;   // StartMicroBatch placed the RNG
        _started = false;
        int index = _next - 1;
        if (positioned && _microBatches > 1 && Graph.RngOffset - MicroBatchRngStart(index) > MicroBatchRngStride)
            throw new InvalidOperationException($"micro-batch {index} drew {Graph.RngOffset - MicroBatchRngStart(index)} dropout numbers, more than " +
                $"the {MicroBatchRngStride} a micro-batch may: make the micro-batches smaller (--batch)");
        if (loss != null)
        {
            _losses.Record(loss);
            if (auxiliary != null)
            {
                _losses.RecordAuxiliary(auxiliary);
                loss = Graph.Add(loss, auxiliary, 1f, auxiliaryWeight);
            }
            bool carry = _exchange == null && _hasGradient;
            if (carry) SetCarry();
            Graph.Backward(Graph.Scale(loss, 1f / _microBatches));
            if (carry) AddCarry();
            _hasGradient = true;
            _exchange?.MarkGradient();
        }
        _exchange?.Record(index / World.Size, new MicroBatchRecord(0, 0, 1 | (loss != null ? 2 : 0) | (auxiliary != null && loss != null ? 4 : 0), Graph.RngOffset));
        Graph.Observer = null;
        Graph.Reset();
    }

    /// <summary>Moves the total gradient aside (one process) so that the next backward starts from zero.</summary>
    private void SetCarry()
    {
        foreach (var p in _trainable)
        {
            if (!_carry.TryGetValue(p, out var carry))
            {
                carry = new Tensor(Backend.Allocate(p.Grad.Bytes), 0, p.Grad.Shape, DType.F32, ownsStorage: true);
                _carry[p] = carry;
            }
            Backend.Copy(p.Grad, carry);
            Backend.Zero(p.Grad);
        }
    }

    /// <summary>Adds the total moved aside by <see cref="SetCarry"/> to the micro-batch's gradient.</summary>
    private void AddCarry()
    {
        foreach (var p in _trainable) Backend.AddInto(_carry[p], p.Grad);
    }

    /// <summary>Clips, updates and reads the step's losses and norm back (see the class summary).</summary>
    /// <param name="lossName">Names the loss in the error of one that is not finite.</param>
    /// <exception cref="InvalidOperationException">A loss or the gradient norm is not finite (the update was skipped
    /// and the step is not counted, unless clipping is off).</exception>
    public TrainingStepResult Finish(string lossName = "the training loss")
    {
        float factor = Schedule.Factor(Count);
        int stepNumber = Count + 1;
        if (_next != _microBatches) throw new InvalidOperationException($"the step has {_microBatches} micro-batches but {_next} were started");
        if (_exchange != null) GatherStep();
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

    /// <summary>Data parallel: the last round's gradients, then every rank's losses in micro-batch order in place of this
    /// rank's, and the RNG position where the step's last micro-batch ended.</summary>
    private void GatherStep()
    {
        _exchange!.EndRound(RoundName((_microBatches - 1) / World.Size));
        var (losses, auxiliaries) = _losses.Peek();
        var records = _exchange.Finish(_microBatches, losses, auxiliaries, $"the losses of step {Count + 1}");
        var allLosses = new List<float>(records.Length);
        var allAuxiliaries = new List<float>();
        foreach (var r in records)
        {
            if (r.HasLoss) allLosses.Add(r.Loss);
            if (r.HasAuxiliary) allAuxiliaries.Add(r.Auxiliary);
        }
        _losses.Replace(allLosses.ToArray(), allAuxiliaries.ToArray());
        Graph.RngOffset = records[^1].RngEnd;
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
        foreach (var carry in _carry.Values) carry.Dispose();
        Optimizer.Dispose();
        Graph.Dispose();
    }
}
