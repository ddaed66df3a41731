using System.Diagnostics;
using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.Distributed;
using BertCore.IO;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Training.FineTuning.Techniques;

namespace BertCore.Training.FineTuning;

/// <summary>What <see cref="FineTuner.TrainStep"/> did.</summary>
/// <param name="Step">Optimizer steps taken, this one included.</param>
/// <param name="Loss">Mean loss of the step's micro-batches.</param>
/// <param name="LearningRate">Learning rate used: peak × schedule factor.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
/// <param name="Examples">Features the step trained on.</param>
/// <param name="Seconds">Wall time of the step.</param>
/// <param name="AuxiliaryLoss">Mean auxiliary MLM loss of the step's micro-batches (NaN without <see cref="AuxiliaryMlm"/>).</param>
/// <param name="AuxiliaryWeight">The auxiliary loss's weight at this step (0 without it); the step minimized Loss + AuxiliaryWeight·AuxiliaryLoss.</param>
public sealed record FineTuningStep(int Step, double Loss, double LearningRate, double GradNorm, long Examples, double Seconds,
    double AuxiliaryLoss = double.NaN, double AuxiliaryWeight = 0)
{
    public double ExamplesPerSecond => Seconds > 0 ? Examples / Seconds : 0;
}

/// <summary>
/// Fine-tunes a <see cref="TaskNetwork"/> on one task, for every task kind. One optimizer step:
/// <code>
/// [gradual unfreezing: set which parameters train] ZeroGrad
/// for each of k micro-batches (k = GradientAccumulationSteps): loss = Forward(batch) [+ w·auxiliary MLM loss]; Backward(loss · 1/k); Reset
/// norm = global L2 norm of the gradients; AdamW.Step(schedule(step), min(1, maxNorm / (norm + 1e-6)))
/// </code>
/// The step is a <see cref="TrainingStep"/>: the losses stay on the device until the end of the step, read back once with the norm.
/// Batches come from a <see cref="LengthBucketSampler"/> (features of similar length together, each batch padded
/// to its own longest row, a seeded order per epoch); the schedule (by default) is linear warmup over WarmupRatio of the steps
/// then linear decay to 0. <see cref="Run"/> evaluates on the dev data each epoch (or every EvalEvery steps), saves
/// a checkpoint with each evaluation (and every SaveEvery steps), keeps the best one, the newest one and the newest
/// KeepCheckpoints others, stops early after
/// Patience evaluations without improvement, writes metrics.csv and results.json, and finally
/// copies the best checkpoint's model into the output folder. Same network, data, options and backend →
/// bitwise-identical weights, and a run resumed from a checkpoint (<see cref="Resume"/>) ends bitwise where the
/// uninterrupted run ends. The caller owns the network and the data; the network's parameters move into the
/// backend's memory (<see cref="IBackend.Adopt"/>: onto the GPU with a GPU backend), checkpoints being written
/// through host copies.
/// </summary>
public sealed class FineTuner : IDisposable
{
    /// <summary>The summary of a run in the output folder: the best evaluation and every evaluation.</summary>
    public const string ResultsFile = "results.json";

    private readonly LengthBucketSampler _sampler;
    private readonly string? _vocabPath;
    private readonly TrainingStep _step;
    private readonly ITrainingObjective? _objective;
    private readonly Parameter[] _trained;
    private readonly List<FineTuningEvaluation> _evaluations = new();
    private FineTuningEvaluation? _best;
    private int _sinceBest;
    private bool _stoppedEarly;

    /// <param name="network">The network to train, initialized or loaded.</param>
    /// <param name="train">Labelled training data encoded for the network's task.</param>
    /// <param name="dev">Labelled dev data for evaluation, model selection and early stopping (optional).</param>
    /// <param name="vocabPath">vocab.txt copied into every saved model folder (optional).</param>
    /// <param name="auxiliaryMlm">An auxiliary MLM loss on <paramref name="network"/>'s encoder (optional; the
    /// trainer disposes it); its head trains with the network.</param>
    /// <param name="objective">The training loss instead of the network's task loss (optional; see <see cref="ITrainingObjective"/>).</param>
    /// <param name="world">The ranks of a data-parallel run (default: this process alone). Every rank builds the same
    /// steps (the same data, options and seed) and runs micro-batches rank, rank + ranks, ... of each; every rank
    /// evaluates (model selection and early stopping decide on all); only rank 0 writes into the output folder.</param>
    /// <exception cref="ArgumentException">Invalid options, unlabelled data, or data of another task.</exception>
    public FineTuner(IBackend backend, TaskNetwork network, TaskData train, TaskData? dev, FineTunerOptions options, string? vocabPath = null,
        AuxiliaryMlm? auxiliaryMlm = null, ITrainingObjective? objective = null, ICommunicator? world = null)
    {
        options.Validate();
        foreach (var data in new[] { train, dev }.OfType<TaskData>())
        {
            if (data.Spec.Task != network.Spec.Task) throw new ArgumentException($"{data.File.Source} is {data.Spec.Task.Name()} data for a {network.Spec.Task.Name()} network");
            if (!data.IsLabeled) throw new ArgumentException($"{data.File.Source} has unlabelled examples; training and evaluation need labels");
            if (data.Count == 0) throw new ArgumentException($"{data.File.Source} has no examples");
        }
        Backend = backend;
        Network = network;
        Train = train;
        Dev = dev;
        Options = options;
        _vocabPath = vocabPath;
        _sampler = new LengthBucketSampler(train.Lengths, options.BatchSize, (ulong)options.Seed);
        StepsPerEpoch = (_sampler.BatchesPerEpoch + options.GradientAccumulationSteps - 1) / options.GradientAccumulationSteps;
        TotalSteps = options.MaxSteps > 0 ? options.MaxSteps : StepsPerEpoch * options.Epochs;
        WarmupSteps = (int)Math.Ceiling(TotalSteps * (double)options.WarmupRatio);
        if (auxiliaryMlm != null && auxiliaryMlm.Network != network) throw new ArgumentException("the auxiliary MLM head is on another network", nameof(auxiliaryMlm));
        AuxiliaryMlm = auxiliaryMlm;
        _objective = objective;
        var auxiliary = auxiliaryMlm?.Parameters.ToArray() ?? [];
        var extra = objective?.Parameters.ToArray() ?? [];
        _trained = [.. network.Model.Parameters(), .. auxiliary, .. extra];
        backend.Adopt(_trained);
        var groups = ParameterGroups(network, options).Concat(ParameterGroup.DecayAndNoDecay(auxiliary, options.LearningRate, options.WeightDecay)
            .Where(g => g.Parameters.Count > 0).Select(g => new ParameterGroup("aux_mlm." + g.Name, g.Parameters, g.Lr, g.WeightDecay)))
            .Concat(ParameterGroup.DecayAndNoDecay(extra, options.LearningRate, options.WeightDecay)
            .Where(g => g.Parameters.Count > 0).Select(g => new ParameterGroup("objective." + g.Name, g.Parameters, g.Lr, g.WeightDecay)));
        Unfreezing = options.UnfreezeEvery > 0 ? new GradualUnfreezing(network.Model.Parameters(), network.Config.NumHiddenLayers, options.UnfreezeEvery) : null;
        _step = new TrainingStep(backend, _trained, new AdamW(backend, groups, options.Beta1, options.Beta2, options.Eps),
            FineTuningSchedules.Create(options, WarmupSteps, TotalSteps), options.MaxGradNorm, (ulong)options.Seed, world);
    }

    public IBackend Backend { get; }
    public TaskNetwork Network { get; }
    public TaskData Train { get; }
    public TaskData? Dev { get; }
    public FineTunerOptions Options { get; }

    /// <summary>Optimizer steps per pass over the training data.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Steps the run plans: MaxSteps, or Epochs × <see cref="StepsPerEpoch"/>.</summary>
    public int TotalSteps { get; }

    /// <summary>Steps of linear warmup: ⌈TotalSteps × WarmupRatio⌉.</summary>
    public int WarmupSteps { get; }

    /// <summary>The learning-rate schedule (<see cref="FineTunerOptions.Schedule"/>): step t uses peak × Factor(t − 1).</summary>
    public LrSchedule Schedule => _step.Schedule;

    /// <summary>The optimizer's parameter groups (<see cref="ParameterGroups"/>, then the auxiliary MLM head's, then the objective's).</summary>
    public IReadOnlyList<ParameterGroup> Groups => _step.Optimizer.Groups;

    /// <summary>Gradual unfreezing (<see cref="FineTunerOptions.UnfreezeEvery"/>), applied before every step; null when off.</summary>
    public GradualUnfreezing? Unfreezing { get; }

    /// <summary>The auxiliary MLM loss given to the constructor, if any.</summary>
    public AuxiliaryMlm? AuxiliaryMlm { get; }

    /// <summary>Optimizer steps taken so far (restored by <see cref="Resume"/>).</summary>
    public int Step => _step.Count;

    /// <summary>Mean loss of the latest step (NaN before the first).</summary>
    public double LastLoss { get; private set; } = double.NaN;

    /// <summary>Raised by <see cref="Run"/> after every step (and its evaluation and checkpoint, if any).</summary>
    public event Action<FineTuningProgress>? StepCompleted;

    /// <summary>
    /// The optimizer's parameter groups: every parameter of the network at the peak learning rate, weight decay on
    /// matrices and embeddings only. Frozen parameters (<see cref="Autograd.Parameter.Trainable"/> false) stay in
    /// their group and are skipped by AdamW and by clipping. With <see cref="FineTunerOptions.LayerDecay"/> below 1,
    /// one pair of groups per depth (<see cref="LayerwiseLrDecay.Groups"/>).
    /// </summary>
    public static IReadOnlyList<ParameterGroup> ParameterGroups(TaskNetwork network, FineTunerOptions options) => options.LayerDecay < 1
        ? LayerwiseLrDecay.Groups(network.Model.Parameters(), network.Config.NumHiddenLayers, options.LearningRate, options.WeightDecay, options.LayerDecay)
        : ParameterGroup.DecayAndNoDecay(network.Model.Parameters(), options.LearningRate, options.WeightDecay);

    /// <summary>One optimizer step over <paramref name="microBatches"/> (the gradient of their mean loss).</summary>
    /// <exception cref="InvalidOperationException">The loss or the gradient norm is not finite.</exception>
    public FineTuningStep TrainStep(IReadOnlyList<TaskBatch> microBatches)
    {
        var start = Stopwatch.GetTimestamp();
        Unfreezing?.Apply(Step);
        _step.Begin(microBatches.Count);
        var graph = _step.Graph;
        float auxWeight = AuxiliaryMlm?.Weight(Step, TotalSteps) ?? 0;
        long examples = 0;
        for (int micro = 0; micro < microBatches.Count; micro++)
        {
            var batch = microBatches[micro];
            if (!_step.StartMicroBatch(micro))   // another rank's
            {
                examples += batch.Inputs.Batch;
                continue;
            }
            var output = Network.Forward(graph, batch);
            var loss = _objective == null ? output.Loss : _objective.Loss(graph, batch, output);
            if (loss == null)   // no target in the batch (e.g. only words without tokens): nothing to learn from
            {
                _step.Accumulate(null);
                continue;
            }
            var mlm = auxWeight > 0 ? AuxiliaryMlm!.Loss(graph, batch, Step, micro) : null;
            _step.Accumulate(loss, mlm, auxWeight);
            examples += batch.Inputs.Batch;
        }
        var step = _step.Finish();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        LastLoss = step.Loss;
        return new FineTuningStep(Step, LastLoss, (double)Options.LearningRate * step.LrFactor, step.GradNorm, examples, seconds,
            auxWeight > 0 ? step.AuxiliaryLoss : double.NaN, auxWeight);
    }

    /// <summary>Scores the network on the dev data (dropout off, no gradients).</summary>
    public TaskScores Evaluate()
    {
        var dev = Dev ?? throw new InvalidOperationException("no dev data was given");
        return dev.Score(TaskRunner.Run(_step.Graph, Network, dev, Options.EvalBatchSize));
    }

    /// <summary>Whether this process writes the run's files: rank 0 of a data-parallel run, or the only process.</summary>
    public bool Writes => _step.World.Rank == 0;

    /// <summary>
    /// Writes <c>checkpoint-Step</c> into the output folder (on a rank other than 0, only returns the path: rank 0
    /// writes it) and returns its path: the model, eval_results.json when
    /// this step was evaluated, and the trainer state — a <see cref="FineTuningState"/> and, in
    /// trainer_state.safetensors, <c>step</c> and the value <c>w.NAME</c> and AdamW moments <c>m.NAME</c>,
    /// <c>v.NAME</c> of every trained parameter (the auxiliary MLM head's and the objective's included). Then deletes
    /// the checkpoints no longer kept (<see cref="FineTuningCheckpoints.Prune"/>).
    /// </summary>
    public string SaveCheckpoint()
    {
        if (!Writes) return Path.Combine(Options.OutputDirectory, FineTuningCheckpoints.FolderName(Step));
        var evaluated = _evaluations.Count > 0 && _evaluations[^1].Step == Step ? _evaluations[^1].Scores : null;
        var state = new FineTuningState(Step, _step.Graph.Seed, _step.Graph.RngOffset, Options, LastLoss,
            _evaluations.Select(SavedEvaluation.From).ToArray(), _best?.Step, _sinceBest, _stoppedEarly);
        string path = FineTuningCheckpoints.Write(Options.OutputDirectory, Step, Network, _vocabPath, evaluated, dir =>
        {
            _step.SaveState(Path.Combine(dir, PretrainingCheckpoint.StateTensorsFile), _trained, withValues: true);
            state.Save(Path.Combine(dir, PretrainingCheckpoint.StateJsonFile));
        });
        FineTuningCheckpoints.Prune(Options.OutputDirectory, _best?.Step, Options.KeepCheckpoints);
        return path;
    }

    /// <summary>
    /// Continues from a checkpoint folder written by <see cref="SaveCheckpoint"/>: the trained parameters, AdamW moments
    /// and step (the sampler's epoch and batch follow from the step), the dropout RNG position, the evaluations so far,
    /// the best one and the early-stopping count. The options (<see cref="FineTunerOptions.ResumeConflicts"/>) must
    /// equal the checkpoint's, and the data and the network must be those of the interrupted run.
    /// </summary>
    /// <exception cref="InvalidOperationException">The checkpoint was written with other options.</exception>
    /// <exception cref="InvalidFileException">A file of the checkpoint is missing a tensor or malformed.</exception>
    public void Resume(string checkpointDirectory)
    {
        var statePath = Path.Combine(checkpointDirectory, PretrainingCheckpoint.StateJsonFile);
        var state = FineTuningState.Load(statePath);
        var conflicts = Options.ResumeConflicts(state.Options);
        if (conflicts.Count > 0)
            throw new InvalidOperationException($"{checkpointDirectory} was written with other fine-tuning options " +
                $"({string.Join("; ", conflicts)}); an exact resume needs the same ones");
        _step.RestoreState(Path.Combine(checkpointDirectory, PretrainingCheckpoint.StateTensorsFile), _trained, withValues: true,
            statePath, state.Step, state.RngSeed, state.RngOffset);
        LastLoss = state.LastLoss;
        _evaluations.Clear();
        _evaluations.AddRange(state.Evaluations.Select(e => new FineTuningEvaluation(e.Step, e.Epoch, e.Scores(Network.Spec.Task, statePath),
            Path.Combine(Options.OutputDirectory, FineTuningCheckpoints.FolderName(e.Step)))));
        _best = state.BestStep is int best
            ? _evaluations.FirstOrDefault(e => e.Step == best) ?? throw new InvalidFileException(statePath, null, $"the best step {best} has no evaluation")
            : null;
        _sinceBest = state.SinceBest;
        _stoppedEarly = state.StoppedEarly;
    }

    /// <summary>
    /// Trains for <see cref="TotalSteps"/> steps (fewer when stopping early or cancelled: the current step finishes, a
    /// checkpoint is written, and the run ends as below). Starts from <see cref="Step"/>, so call <see cref="Resume"/>
    /// first to continue a run (metrics.csv then keeps its rows up to the checkpoint). Writes a checkpoint with each
    /// evaluation and every <see cref="FineTunerOptions.SaveEvery"/> steps. The output folder then holds the best
    /// checkpoint's model (the last model without dev data) in Hugging Face layout, metrics.csv,
    /// results.json and the kept checkpoint folders.
    /// </summary>
    public FineTuningResult Run(CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        string output = Options.OutputDirectory;
        if (Writes)
        {
            Directory.CreateDirectory(output);
            FineTuningCheckpoints.RemoveIncomplete(output);
        }
        string logPath = Path.Combine(output, FineTuningLog.FileName);
        using var log = !Writes ? null : Step == 0 ? new FineTuningLog(logPath, Network.Spec.Task)
            : FineTuningLog.Resume(logPath, Network.Spec.Task, Step, step => _evaluations.FirstOrDefault(e => e.Step == step)?.Scores);
        var cadence = new TrainingCadence(TotalSteps, Options.EvalEvery, Options.SaveEvery, Evaluates: Dev != null, EvaluateEachEpoch: true,
            SaveWithEvaluation: true);
        var loop = TrainingLoop.Run(new FineTuningRun(this, log), cadence, cancellation, new RunClock(_step.World));
        var result = new FineTuningResult(!loop.Cancelled, _stoppedEarly, Step, LastLoss, _best, _evaluations.ToArray(), output, clock.Elapsed);
        if (Writes)
        {
            if (_best != null) FineTuningCheckpoints.Publish(_best.Checkpoint, output);
            else TaskModelDirectory.Save(output, Network, _vocabPath);
            WriteResults(Path.Combine(output, ResultsFile), result);
        }
        _step.World.Barrier("rank 0's final model", watched: false);   // the other ranks may read it next (self-distillation's teacher)
        return result;
    }

    /// <summary>What fine-tuning gives the <see cref="TrainingLoop"/>: steps over the sampler's epochs (from where the
    /// step count says a resumed run is), dev evaluations with model selection and early stopping, metrics.csv rows and
    /// the curves (none on a rank other than 0: the log is null), checkpoints, and <see cref="StepCompleted"/>.</summary>
    private sealed class FineTuningRun : ITrainingRun<(FineTuningStep Report, double Epochs), FineTuningEvaluation>
    {
        private readonly FineTuner _tuner;
        private readonly FineTuningLog? _log;
        private int _epoch, _first;   // the next step's epoch and first micro-batch in it
        private int[][] _batches;     // the epoch's batches (rows of the training data)
        private bool _isBest;         // the latest evaluation is the best so far

        public FineTuningRun(FineTuner tuner, FineTuningLog? log)
        {
            _tuner = tuner;
            _log = log;
            _epoch = tuner.Step / tuner.StepsPerEpoch;
            _first = tuner.Step % tuner.StepsPerEpoch * tuner.Options.GradientAccumulationSteps;
            _batches = tuner._sampler.Epoch(_epoch);
        }

        public int Step => _tuner.Step;
        public bool StopRequested => _tuner._stoppedEarly;

        public (FineTuningStep Report, double Epochs) TrainStep(out bool epochEnd)
        {
            if (_first == _batches.Length) (_epoch, _first, _batches) = (_epoch + 1, 0, _tuner._sampler.Epoch(_epoch + 1));
            int end = Math.Min(_first + _tuner.Options.GradientAccumulationSteps, _batches.Length);
            var step = _tuner.TrainStep(_batches[_first..end].Select(rows => _tuner.Train.Batch(rows)).ToArray());
            double epochs = _epoch + (double)end / _batches.Length;
            _first = end;
            epochEnd = end == _batches.Length;
            return (step, epochs);
        }

        public FineTuningEvaluation Evaluate((FineTuningStep Report, double Epochs) step, bool last)
        {
            var scores = _tuner.Evaluate();
            var evaluation = new FineTuningEvaluation(Step, step.Epochs, scores,
                Path.Combine(_tuner.Options.OutputDirectory, FineTuningCheckpoints.FolderName(Step)));
            _tuner._evaluations.Add(evaluation);
            _isBest = scores.IsBetterThan(_tuner._best?.Scores);
            if (_isBest) (_tuner._best, _tuner._sinceBest) = (evaluation, 0);
            else _tuner._sinceBest++;
            _tuner._stoppedEarly = !last && _tuner.Options.Patience > 0 && _tuner._sinceBest >= _tuner.Options.Patience;
            return evaluation;
        }

        public void Record((FineTuningStep Report, double Epochs) step, FineTuningEvaluation? evaluation)
        {
            var r = step.Report;
            _log?.Append(new FineTuningRow(r.Step, step.Epochs, r.Loss, r.LearningRate, r.GradNorm, r.ExamplesPerSecond, evaluation?.Scores));
        }

        public string SaveCheckpoint() => _tuner.SaveCheckpoint();

        public void Report((FineTuningStep Report, double Epochs) step, FineTuningEvaluation? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta)
        {
            var r = step.Report;
            _tuner.StepCompleted?.Invoke(new FineTuningProgress(r.Step, _tuner.TotalSteps, step.Epochs, r.Loss, r.LearningRate, r.GradNorm,
                r.ExamplesPerSecond, elapsed, eta, evaluation, evaluation != null && _isBest, _tuner._stoppedEarly));
        }
    }

    /// <summary>results.json: the task, steps, how the run ended, the best evaluation and every evaluation.</summary>
    private void WriteResults(string path, FineTuningResult result)
    {
        static void Scores(Utf8JsonWriter json, FineTuningEvaluation e)
        {
            json.WriteNumber("step", e.Step);
            json.WriteNumber("epoch", Math.Round(e.Epoch, 4));
            e.Scores.WriteProperties(json);
        }
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteString("task", Network.Spec.Task.Name());
            json.WriteString("primary_metric", result.Best?.Scores.PrimaryMetric ?? Network.Spec.Task.PrimaryMetric());
            json.WriteNumber("train_examples", Train.File.Count);
            json.WriteNumber("dev_examples", Dev?.File.Count ?? 0);
            json.WriteNumber("steps", result.Steps);
            json.WriteNumber("planned_steps", TotalSteps);
            json.WriteBoolean("completed", result.Completed);
            json.WriteBoolean("stopped_early", result.StoppedEarly);
            json.WriteNumber("seconds", Math.Round(result.Elapsed.TotalSeconds, 3));
            if (result.Best is { } best)
            {
                json.WriteStartObject("best");
                Scores(json, best);
                json.WriteEndObject();
            }
            json.WriteStartArray("evaluations");
            foreach (var e in result.Evaluations)
            {
                json.WriteStartObject();
                Scores(json, e);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    public void Dispose()
    {
        _step.Dispose();
        AuxiliaryMlm?.Dispose();
    }
}
