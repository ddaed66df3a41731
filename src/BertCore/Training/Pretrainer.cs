using System.Diagnostics;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.Distributed;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Optim;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>How a <see cref="Pretrainer.Run"/> ended.</summary>
/// <param name="Completed">True when <see cref="PretrainerOptions.MaxSteps"/> or the time budget was reached (false: cancelled).</param>
/// <param name="LastCheckpoint">The newest checkpoint folder written by the run, if any.</param>
public sealed record PretrainingResult(bool Completed, int Step, double LastLoss, MlmEvaluation? LastEvaluation, string? LastCheckpoint);

/// <summary>
/// Masked-LM pretraining of a <see cref="BertForPreTraining"/> (with an NSP/SOP head when
/// <see cref="PretrainerOptions.RelationHead"/> is set). One optimizer step:
/// <code>
/// ZeroGrad
/// k times (k = GradientAccumulationSteps): batch = source.Next(); loss = Forward(batch); Backward(loss · 1/k); Reset
/// norm = global L2 norm of the gradients; AdamW.Step(schedule(step), min(1, maxNorm / (norm + 1e-6)))
/// </code>
/// The step is a <see cref="TrainingStep"/>: the losses stay on the device until the end of the step, read back once with the norm.
/// Same model, options, source and backend → bitwise-identical weights, and a run resumed from a checkpoint
/// (<see cref="Resume"/>) ends bitwise where the uninterrupted run ends. <see cref="Run"/> also evaluates on a
/// held-out source, writes checkpoints and metrics.csv into the output folder, and at the end the
/// final model (config.json, model.safetensors, vocab.txt) into the output folder itself. The caller owns the
/// model and the sources; the model's parameters move into the backend's memory (<see cref="IBackend.Adopt"/>: onto
/// the GPU with a GPU backend) and stay there, checkpoints and the final model being written through host copies.
/// </summary>
public sealed class Pretrainer : IDisposable
{
    public const string MetricsFile = "metrics.csv";

    /// <summary>The AdamW moments of the objective's own parameters (<see cref="IPretrainingObjective.TrainableParameters"/>)
    /// in a checkpoint: a file of their own, as a generator's parameter names repeat the model's.</summary>
    public const string ObjectiveStateFile = "objective_state.safetensors";

    private readonly IPretrainingBatchSource _train;
    private readonly IPretrainingBatchSource? _eval;
    private readonly IReadOnlyDictionary<string, long>? _evalStart;
    private readonly string? _vocabPath;
    private readonly TrainingStep _step;
    private readonly List<EvaluationRecord> _evaluations = new();
    private readonly IPretrainingObjective? _objective;
    private readonly RunClock _time;   // this session's training time (rank 0's with several ranks)
    private TimeSpan _timeBefore;

    /// <param name="model">The model to train (see <see cref="PretrainingModel"/>). Without
    /// <see cref="PretrainerOptions.RelationHead"/> its pooler and NSP head, if any, are frozen (not trained).</param>
    /// <param name="train">Training batches; its position is saved in checkpoints.</param>
    /// <param name="eval">Held-out batches; every evaluation rewinds it to the position it has now.</param>
    /// <param name="vocabPath">vocab.txt copied into every saved model folder (optional).</param>
    /// <param name="objective">The training loss instead of the model's MLM (+ relation) loss (optional).</param>
    /// <param name="clock">Measures <see cref="TrainingTime"/> (the system clock unless a test passes a fake one; with
    /// several ranks rank 0's decides, see <see cref="RunClock"/>).</param>
    /// <param name="world">The ranks of a data-parallel run (default: this process alone). Every rank reads the same
    /// batches (the same source, options and seed) and runs micro-batches rank, rank + ranks, ... of each step; only
    /// rank 0 writes into the output folder.</param>
    public Pretrainer(IBackend backend, BertForPreTraining model, PretrainerOptions options, IPretrainingBatchSource train,
        IPretrainingBatchSource? eval = null, string? vocabPath = null, IPretrainingObjective? objective = null, TimeProvider? clock = null,
        ICommunicator? world = null)
    {
        options.Validate();
        if (options.MaskRate != null && train is not PretrainingBatchSource)
            throw new ArgumentException("a masking-rate schedule needs a PretrainingBatchSource (pre-masked batches are masked already)", nameof(train));
        if (model.Mlm == null && objective == null) throw new ArgumentException("the model has no MLM head", nameof(model));
        if (options.RelationHead && model.Nsp == null)
            throw new ArgumentException("RelationHead is set but the model has no NSP/SOP head (cls.seq_relationship)", nameof(model));
        if (!options.RelationHead)
            foreach (var p in (model.Bert.Pooler?.Parameters() ?? []).Concat(model.Nsp?.Parameters() ?? []))
                p.Trainable = false;
        backend.Adopt(model.Parameters());
        if (objective != null) backend.Adopt(objective.FrozenParameters.Concat(objective.TrainableParameters));
        Backend = backend;
        Model = model;
        Options = options;
        _train = train;
        _eval = eval;
        _evalStart = eval == null ? null : new Dictionary<string, long>(eval.Position);
        _vocabPath = vocabPath;
        _objective = objective;
        var trained = model.Parameters().Concat(objective?.TrainableParameters ?? []).ToArray();
        var adam = new AdamW(backend, ParameterGroup.DecayAndNoDecay(trained, options.LearningRate, options.WeightDecay),
            options.Beta1, options.Beta2, options.Eps);
        var schedule = options.TimeBudget != null
            ? LrSchedule.OverProgress(options.Schedule, options.WarmupFraction, () => Progress)
            : LrSchedule.Parse(options.Schedule, options.WarmupSteps, options.MaxSteps);
        _step = new TrainingStep(backend, trained, adam, schedule, options.MaxGradNorm, (ulong)options.Seed, world);
        _time = new RunClock(_step.World, clock);
    }

    public IBackend Backend { get; }
    public BertForPreTraining Model { get; }
    public PretrainerOptions Options { get; }

    /// <summary>Optimizer steps taken so far (restored by <see cref="Resume"/>).</summary>
    public int Step => _step.Count;

    /// <summary>Wall time of training so far, the time before a <see cref="Resume"/> included: counted from the first
    /// <see cref="TrainStep"/> or <see cref="Run"/> (evaluations and checkpoints within a run count too). With several
    /// ranks, rank 0's time as <see cref="Run"/>'s loop last agreed on it (<see cref="RunClock"/>), the same on every rank.</summary>
    public TimeSpan TrainingTime => _timeBefore + _time.Elapsed;

    /// <summary>The fraction of the run done, in [0, 1]: <see cref="TrainingTime"/> / the time budget when there is
    /// one, else steps taken / <see cref="PretrainerOptions.MaxSteps"/>. The schedule, the batch ramp and the
    /// masking rate follow it.</summary>
    public double Progress => Math.Clamp(Options.TimeBudget is { } budget ? TrainingTime / budget : (double)Step / Options.MaxSteps, 0, 1);

    /// <summary>Loss of the latest step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Raised by <see cref="Run"/> after every step (and its evaluation and checkpoint, if any).</summary>
    public event Action<PretrainingProgress>? StepCompleted;

    /// <summary>One optimizer step over <see cref="PretrainerOptions.GradientAccumulationSteps"/> micro-batches (fewer
    /// early in a <see cref="PretrainerOptions.BatchRamp"/>), masked at the scheduled rate, if any.</summary>
    /// <exception cref="InvalidOperationException">The loss or the gradient norm is not finite, or the source's
    /// batches lack relation labels that the objective needs.</exception>
    public StepResult TrainStep()
    {
        if (!_time.Started) _time.Start();
        double progress = Progress;
        int k = Options.BatchRamp?.MicroBatches(Options.GradientAccumulationSteps, progress) ?? Options.GradientAccumulationSteps;
        if (Options.MaskRate is { } rate) ((PretrainingBatchSource)_train).MaskProbability = rate.At(progress);
        var start = Stopwatch.GetTimestamp();
        _step.Begin(k);
        var graph = _step.Graph;
        long positions = 0;
        for (int i = 0; i < k; i++)
        {
            var batch = _train.Next();
            positions += (long)batch.Inputs.Batch * batch.Inputs.SequenceLength;
            if (!_step.StartMicroBatch(i)) continue;   // another rank's
            var loss = _objective != null
                ? _objective.Loss(graph, Model, batch, RelationLabels(batch))
                : Model.Forward(graph, batch.Inputs, batch.MlmLabels, RelationLabels(batch)).Loss!;
            _step.Accumulate(loss);
        }
        var step = _step.Finish();
        LastLoss = step.Loss;
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return new StepResult(Step, LastLoss, (double)Options.LearningRate * step.LrFactor, step.GradNorm, positions, seconds);
    }

    /// <summary>Scores <see cref="PretrainerOptions.EvalBatches"/> held-out batches from the evaluation source's
    /// starting position (the same batches every time) and records the result for checkpoints.</summary>
    public MlmEvaluation Evaluate()
    {
        if (_eval == null) throw new InvalidOperationException("no evaluation source was given");
        _eval.Seek(_evalStart!);
        var result = _objective?.Evaluate(_step.Graph, Model, _eval, Options.EvalBatches)
            ?? MlmEvaluator.Evaluate(_step.Graph, Model, _eval, Options.EvalBatches);
        _evaluations.RemoveAll(e => e.Step == Step);
        _evaluations.Add(new EvaluationRecord(Step, result.Accuracy, result.Perplexity));
        return result;
    }

    /// <summary>Whether this process writes the run's files: rank 0 of a data-parallel run, or the only process.</summary>
    public bool Writes => _step.World.Rank == 0;

    /// <summary>Writes <c>checkpoint-Step</c> into the output folder (see <see cref="PretrainingCheckpoint"/>)
    /// and returns its path (on a rank other than 0, only the path: rank 0 writes it).</summary>
    public string SaveCheckpoint()
    {
        if (!Writes) return Path.Combine(Options.OutputDirectory, PretrainingCheckpoint.FolderName(Step));
        var state = new TrainerState(Step, _step.Graph.Seed, _step.Graph.RngOffset, new Dictionary<string, long>(_train.Position),
            Options, LastLoss, _evaluations.ToArray(), TrainingTime.TotalSeconds);
        return PretrainingCheckpoint.Write(Options.OutputDirectory, Step, Options.KeepCheckpoints, dir =>
        {
            ModelDirectory.Save(dir, Model, Model.Config, _vocabPath);
            _step.SaveState(Path.Combine(dir, PretrainingCheckpoint.StateTensorsFile), Model.Parameters(), withValues: false);
            if (_objective != null)
            {
                _objective.Save(dir, _vocabPath);
                _step.SaveState(Path.Combine(dir, ObjectiveStateFile), _objective.TrainableParameters, withValues: false);
            }
            state.Save(Path.Combine(dir, PretrainingCheckpoint.StateJsonFile));
        });
    }

    /// <summary>
    /// Continues from a checkpoint folder written by <see cref="SaveCheckpoint"/>: weights, AdamW moments and step,
    /// dropout RNG position, the training source's position and the evaluations so far. The options that decide
    /// the trajectory (<see cref="PretrainerOptions.ResumeConflicts"/>) must equal the checkpoint's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint was written with other training options.</exception>
    /// <exception cref="InvalidFileException">A file of the checkpoint is missing a tensor or malformed.</exception>
    public void Resume(string checkpointDirectory)
    {
        var statePath = Path.Combine(checkpointDirectory, PretrainingCheckpoint.StateJsonFile);
        var state = TrainerState.Load(statePath);
        var conflicts = Options.ResumeConflicts(state.Options);
        if (conflicts.Count > 0)
            throw new InvalidOperationException($"{checkpointDirectory} was written with other training options " +
                $"({string.Join("; ", conflicts)}); an exact resume needs the same ones");
        var weights = ModelDirectory.WeightsPath(checkpointDirectory);
        var report = Checkpoint.LoadWeights(Model, weights);
        if (report.Missing.Count > 0)
            throw new InvalidFileException(weights, null, $"lacks {report.Missing.Count} parameters of this model, e.g. {report.Missing[0]}");
        _step.RestoreState(Path.Combine(checkpointDirectory, PretrainingCheckpoint.StateTensorsFile), Model.Parameters(), withValues: false,
            statePath, state.Step, state.RngSeed, state.RngOffset);
        if (_objective != null)
        {
            _objective.Load(checkpointDirectory);
            _step.RestoreState(Path.Combine(checkpointDirectory, ObjectiveStateFile), _objective.TrainableParameters, withValues: false,
                statePath, state.Step, state.RngSeed, state.RngOffset);
        }
        _train.Seek(state.DataPosition);
        LastLoss = state.LastLoss;
        _evaluations.Clear();
        _evaluations.AddRange(state.Evaluations);
        _timeBefore = TimeSpan.FromSeconds(state.TrainingSeconds);
        _time.Reset();
    }

    /// <summary>
    /// Trains until <see cref="PretrainerOptions.MaxSteps"/> or the time budget (or cancellation: the current step finishes, a
    /// checkpoint is written, and the run returns). Evaluates every EvalEvery steps and after the last, saves every
    /// SaveEvery steps and after the last, appends every step to metrics.csv,
    /// and finally saves the model into the output folder. Starts from <see cref="Step"/>, so call
    /// <see cref="Resume"/> first to continue a run.
    /// </summary>
    public PretrainingResult Run(CancellationToken cancellation = default)
    {
        string output = Options.OutputDirectory;
        if (Writes)
        {
            Directory.CreateDirectory(output);
            PretrainingCheckpoint.RemoveIncomplete(output);
        }
        using var metrics = Writes ? MetricsLog.Open(Path.Combine(output, MetricsFile), Step) : null;
        _timeBefore = TrainingTime;   // the loop starts _time again
        var cadence = new TrainingCadence(Options.MaxSteps > 0 ? Options.MaxSteps : int.MaxValue, Options.EvalEvery, Options.SaveEvery,
            Evaluates: _eval != null, SaveAfterLast: true, TimeBudget: Options.TimeBudget, TimeSpent: _timeBefore);
        var loop = TrainingLoop.Run(new PretrainingRun(this, metrics), cadence, cancellation, _time);
        if (loop.Cancelled) return new PretrainingResult(false, Step, LastLoss, loop.LastEvaluation, loop.LastCheckpoint);
        if (Writes)
        {
            ModelDirectory.Save(output, Model, Model.Config, _vocabPath);
            _objective?.Save(output, _vocabPath);
        }
        _step.World.Barrier("rank 0's final model", watched: false);
        return new PretrainingResult(true, Step, LastLoss, loop.LastEvaluation, loop.LastCheckpoint);
    }

    /// <summary>What pretraining gives the <see cref="TrainingLoop"/>: its step, its held-out evaluation, metrics.csv
    /// rows (none on a rank other than 0: <paramref name="metrics"/> null), checkpoints, and <see cref="StepCompleted"/>.</summary>
    private sealed class PretrainingRun(Pretrainer trainer, MetricsLog? metrics) : ITrainingRun<StepResult, MlmEvaluation>
    {
        public int Step => trainer.Step;
        public bool StopRequested => false;

        public StepResult TrainStep(out bool epochEnd)
        {
            epochEnd = false;   // the batch source is endless
            return trainer.TrainStep();
        }

        public MlmEvaluation Evaluate(StepResult step, bool last) => trainer.Evaluate();

        public void Record(StepResult step, MlmEvaluation? evaluation) =>
            metrics?.Append(new MetricsRow(step.Step, step.Loss, step.LearningRate, step.GradNorm, step.TokensPerSecond,
                evaluation?.Accuracy ?? double.NaN, evaluation?.Perplexity ?? double.NaN, evaluation?.RtdAccuracy ?? double.NaN));

        public string SaveCheckpoint() => trainer.SaveCheckpoint();

        public void Report(StepResult step, MlmEvaluation? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta) =>
            trainer.StepCompleted?.Invoke(new PretrainingProgress(step.Step, trainer.Options.MaxSteps, step.Loss, step.LearningRate, step.GradNorm,
                step.TokensPerSecond, elapsed, eta, evaluation, checkpoint));
    }

    /// <summary>The relation labels the objective trains on (null for MLM only).</summary>
    private int[]? RelationLabels(PretrainingBatch batch)
    {
        if (!Options.RelationHead) return null;
        return batch.RelationLabels
            ?? throw new InvalidOperationException("the objective trains a sentence-relation head, but the batch source gives no relation labels");
    }

    public void Dispose() => _step.Dispose();
}

/// <summary>What <see cref="Pretrainer.TrainStep"/> did.</summary>
/// <param name="Step">Optimizer steps taken, this one included.</param>
/// <param name="Loss">Mean loss of the step's micro-batches.</param>
/// <param name="LearningRate">Learning rate used: base rate × schedule factor.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="Positions">Batch × sequence positions processed (padding included).</param>
/// <param name="Seconds">Wall time of the step.</param>
public sealed record StepResult(int Step, double Loss, double LearningRate, double GradNorm, long Positions, double Seconds)
{
    public double TokensPerSecond => Seconds > 0 ? Positions / Seconds : 0;
}
