using System.Diagnostics;
using System.Text.Json;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Optim;
using BertCore.Tensors;
using BertCore.Training.FineTuning.Techniques;

namespace BertCore.Training.FineTuning.MultiTask;

/// <summary>What <see cref="MultiTaskFineTuner.TrainStep"/> did.</summary>
/// <param name="Step">Optimizer steps taken, this one included.</param>
/// <param name="Task">Index of the task the step trained on.</param>
/// <param name="Loss">That task's loss on the step's batch.</param>
/// <param name="LearningRate">Peak × schedule factor.</param>
/// <param name="GradNorm">Global gradient norm before clipping.</param>
public sealed record MultiTaskStep(int Step, int Task, double Loss, double LearningRate, double GradNorm);

/// <summary>One task's dev scores after a multi-task run.</summary>
/// <param name="Draws">Steps that trained on the task.</param>
public sealed record MultiTaskScores(MultiTaskEntry Entry, int Draws, TaskScores? Dev);

/// <summary>
/// Multi-task fine-tuning (MT-DNN style): several tasks over one shared encoder, each with its own head. Each task
/// is prepared as a <see cref="FineTuningJob"/> (its data, labels and head; its network's encoder loaded or
/// initialized), then every encoder parameter ("bert.*") of a later task is made a view of the same parameter of
/// the first task that has it, so the embeddings and layers (and the pooler, among the tasks that use one) are one
/// set of weights. One AdamW (with <see cref="FineTunerOptions"/>' settings) updates each distinct parameter once.
/// Step t draws its task with <see cref="TaskSampler"/> (probability proportional to the task's training examples,
/// seeded) and trains on that task's next batch (a <see cref="LengthBucketSampler"/> stream per task, seeded by
/// seed + task index). <see cref="Run"/> evaluates every task on its dev data every EvalEvery steps and after the
/// last, and saves, in the output folder, one task model folder per task, named as the task (each loads with
/// <see cref="TaskModelDirectory.Load"/>, <c>bertcore evaluate</c> and <c>predict</c>; each holds a copy of the
/// shared encoder), and results.json. The final weights are saved (no checkpoint selection, no early stopping).
/// The per-task jobs keep their own (unused) optimizer state, three copies of each network in memory.
/// </summary>
public sealed class MultiTaskFineTuner : IDisposable
{
    private readonly FineTuningJob[] _jobs;
    private readonly Parameter[] _trained;
    private readonly TrainingStep _step;
    private readonly LengthBucketSampler[] _samplers;
    private readonly (int Epoch, int Index, int[][] Batches)[] _positions;
    private readonly int[] _draws;

    private MultiTaskFineTuner(IBackend backend, MultiTaskSpec spec, FineTuningJob[] jobs, FineTunerOptions options)
    {
        Backend = backend;
        Spec = spec;
        Options = options;
        _jobs = jobs;
        _trained = Share(jobs);
        _samplers = jobs.Select((j, k) => new LengthBucketSampler(j.Tuner.Train.Lengths, options.BatchSize, (ulong)(options.Seed + k))).ToArray();
        _positions = _samplers.Select(s => (0, 0, s.Epoch(0))).ToArray();
        _draws = new int[jobs.Length];
        Sampler = new TaskSampler(jobs.Select(j => j.Tuner.Train.File.Count).ToArray(), options.Seed);
        TotalSteps = options.MaxSteps > 0 ? options.MaxSteps : options.Epochs * _samplers.Sum(s => s.BatchesPerEpoch);
        int warmup = (int)Math.Ceiling(TotalSteps * (double)options.WarmupRatio);
        _step = new TrainingStep(backend, _trained,
            new AdamW(backend, ParameterGroup.DecayAndNoDecay(_trained, options.LearningRate, options.WeightDecay), options.Beta1, options.Beta2, options.Eps),
            FineTuningSchedules.Create(options, warmup, TotalSteps), options.MaxGradNorm, (ulong)options.Seed);
    }

    /// <summary>
    /// Prepares every task of <paramref name="spec"/> from <paramref name="setup"/> (its model folder or configuration,
    /// vocabulary, casing and lengths; its task and files are replaced by each entry's) and shares the encoder.
    /// </summary>
    /// <param name="options">Training settings; OutputDirectory is the run's folder. The single-task techniques
    /// (auxiliary MLM, TAPT, layer decay, unfreezing) are not supported here.</param>
    /// <exception cref="ArgumentException">Invalid options, a technique option, or a task whose data does not fit.</exception>
    /// <exception cref="InvalidFileException">A data, vocabulary or model file is malformed.</exception>
    public static MultiTaskFineTuner Prepare(IBackend backend, MultiTaskSpec spec, FineTuningSetup setup, FineTunerOptions options)
    {
        options.Validate();
        if (options.AuxMlmWeight > 0 || options.TaptSteps > 0 || options.LayerDecay < 1 || options.UnfreezeEvery > 0 || options.GradientAccumulationSteps > 1)
            throw new ArgumentException("multi-task fine-tuning takes no auxiliary MLM, TAPT, layer decay, gradual unfreezing or gradient accumulation");
        var jobs = new List<FineTuningJob>();
        try
        {
            for (int k = 0; k < spec.Tasks.Count; k++)
            {
                var entry = spec.Tasks[k];
                jobs.Add(FineTuningJob.Prepare(backend, setup with
                {
                    Task = entry.Task, TrainFile = entry.Train, DevFile = entry.Dev, MaxTrainExamples = entry.MaxTrain, MaxDevExamples = entry.MaxDev,
                }, options with { OutputDirectory = Path.Combine(options.OutputDirectory, entry.Name), Seed = options.Seed + k }));
            }
            return new MultiTaskFineTuner(backend, spec, jobs.ToArray(), options);
        }
        catch
        {
            foreach (var job in jobs) job.Dispose();
            throw;
        }
    }

    public IBackend Backend { get; }
    public MultiTaskSpec Spec { get; }
    public FineTunerOptions Options { get; }

    /// <summary>The task networks, in the spec's order; their encoder parameters share storage.</summary>
    public IReadOnlyList<TaskNetwork> Networks => _jobs.Select(j => j.Network).ToArray();

    /// <summary>Each task's prepared job (data, tokenizer, network).</summary>
    public IReadOnlyList<FineTuningJob> Jobs => _jobs;

    /// <summary>The distinct parameters the optimizer updates: the shared encoder once, then each task's head.</summary>
    public IReadOnlyList<Parameter> Parameters => _trained;

    public TaskSampler Sampler { get; }
    public LrSchedule Schedule => _step.Schedule;

    /// <summary>MaxSteps, or Epochs × the batches of one pass over every task's data.</summary>
    public int TotalSteps { get; }

    /// <summary>Optimizer steps taken so far.</summary>
    public int Step => _step.Count;

    /// <summary>Steps that trained on each task so far.</summary>
    public IReadOnlyList<int> Draws => _draws;

    /// <summary>Raised by <see cref="Run"/> after every step.</summary>
    public event Action<MultiTaskStep>? StepCompleted;

    /// <summary>One optimizer step on the next batch of the task <see cref="Sampler"/> draws for it.</summary>
    /// <exception cref="InvalidOperationException">The loss or the gradient norm is not finite.</exception>
    public MultiTaskStep TrainStep()
    {
        int task = Sampler.Task(Step);
        var job = _jobs[task];
        var batch = job.Tuner.Train.Batch(NextRows(task));
        _step.Begin();
        var output = job.Network.Forward(_step.Graph, batch).Loss;
        _step.Accumulate(output);
        var step = _step.Finish($"the training loss of {Spec.Tasks[task].Name}");
        _draws[task]++;
        return new MultiTaskStep(Step, task, output != null ? step.Loss : double.NaN, (double)Options.LearningRate * step.LrFactor, step.GradNorm);
    }

    /// <summary>Each task's dev scores (null for a task without dev data).</summary>
    public IReadOnlyList<MultiTaskScores> Evaluate() =>
        _jobs.Select((j, k) => new MultiTaskScores(Spec.Tasks[k], _draws[k], j.Tuner.Dev == null ? null : j.Tuner.Evaluate())).ToArray();

    /// <summary>Trains <see cref="TotalSteps"/> steps (fewer when cancelled), evaluates, and saves every task's
    /// model folder and results.json in the output folder.</summary>
    public IReadOnlyList<MultiTaskScores> Run(CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        var evaluations = new List<(int Step, IReadOnlyList<MultiTaskScores> Scores)>();
        var cadence = new TrainingCadence(TotalSteps, Options.EvalEvery, SaveEvery: 0, Evaluates: true, EvaluateAfterLast: false, SaveOnCancel: false);
        TrainingLoop.Run(new MultiTaskRun(this, evaluations), cadence, cancellation);
        var final = Evaluate();
        evaluations.Add((Step, final));
        for (int k = 0; k < _jobs.Length; k++)
            TaskModelDirectory.Save(Path.Combine(Options.OutputDirectory, Spec.Tasks[k].Name), _jobs[k].Network, _jobs[k].VocabPath);
        WriteResults(Path.Combine(Options.OutputDirectory, FineTuner.ResultsFile), evaluations, clock.Elapsed);
        return final;
    }

    /// <summary>What multi-task fine-tuning gives the <see cref="TrainingLoop"/>: its step, every task's dev scores
    /// every EvalEvery steps (the final ones come after the loop), <see cref="StepCompleted"/>; no checkpoints.</summary>
    private sealed class MultiTaskRun(MultiTaskFineTuner tuner, List<(int Step, IReadOnlyList<MultiTaskScores> Scores)> evaluations)
        : ITrainingRun<MultiTaskStep, IReadOnlyList<MultiTaskScores>>
    {
        public int Step => tuner.Step;
        public bool StopRequested => false;

        public MultiTaskStep TrainStep(out bool epochEnd)
        {
            epochEnd = false;   // each task has its own epochs
            return tuner.TrainStep();
        }

        public IReadOnlyList<MultiTaskScores> Evaluate(MultiTaskStep step, bool last)
        {
            var scores = tuner.Evaluate();
            evaluations.Add((Step, scores));
            return scores;
        }

        /// <summary>Nothing per step: the evaluations go into results.json after the loop.</summary>
        public void Record(MultiTaskStep step, IReadOnlyList<MultiTaskScores>? evaluation)
        {
        }

        public string SaveCheckpoint() => throw new NotSupportedException("multi-task fine-tuning writes no checkpoints");

        public void Report(MultiTaskStep step, IReadOnlyList<MultiTaskScores>? evaluation, string? checkpoint, TimeSpan elapsed, TimeSpan eta) =>
            tuner.StepCompleted?.Invoke(step);
    }

    /// <summary>The next batch's rows of task <paramref name="task"/>'s stream (a new seeded order each epoch).</summary>
    private int[] NextRows(int task)
    {
        var (epoch, index, batches) = _positions[task];
        if (index == batches.Length) (epoch, index, batches) = (epoch + 1, 0, _samplers[task].Epoch(epoch + 1));
        _positions[task] = (epoch, index + 1, batches);
        return batches[index];
    }

    /// <summary>Makes every encoder parameter of a later network a view of the first network's namesake; returns
    /// the distinct parameters (first networks' encoders, then every head).</summary>
    private static Parameter[] Share(FineTuningJob[] jobs)
    {
        var owners = new Dictionary<string, Parameter>();
        var distinct = new List<Parameter>();
        foreach (var job in jobs)
        {
            var encoder = job.Network.Encoder.Parameters().ToHashSet();
            foreach (var p in job.Network.Model.Parameters())
            {
                if (!encoder.Contains(p)) distinct.Add(p);
                else if (owners.TryGetValue(p.Name, out var owner))
                {
                    if (owner.Shape != p.Shape) throw new ArgumentException($"{p.Name} has shape {p.Shape} in one task and {owner.Shape} in another");
                    var dims = p.Shape.ToArray();
                    p.Replace(owner.Value.Reshape(dims), owner.Grad.Reshape(dims));
                }
                else
                {
                    owners[p.Name] = p;
                    distinct.Add(p);
                }
            }
        }
        return distinct.ToArray();
    }

    private void WriteResults(string path, List<(int Step, IReadOnlyList<MultiTaskScores> Scores)> evaluations, TimeSpan elapsed)
    {
        static void Scores(Utf8JsonWriter json, MultiTaskScores s)
        {
            json.WriteString("name", s.Entry.Name);
            json.WriteNumber("draws", s.Draws);
            s.Dev?.WriteProperties(json);
        }
        AtomicFile.Write(path, stream =>
        {
            using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            json.WriteStartObject();
            json.WriteNumber("steps", Step);
            json.WriteNumber("planned_steps", TotalSteps);
            json.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
            json.WriteStartArray("tasks");
            for (int k = 0; k < _jobs.Length; k++)
            {
                json.WriteStartObject();
                json.WriteString("name", Spec.Tasks[k].Name);
                json.WriteString("task", Spec.Tasks[k].Task.Name());
                json.WriteString("primary_metric", Spec.Tasks[k].Task.PrimaryMetric());
                json.WriteNumber("train_examples", _jobs[k].Tuner.Train.File.Count);
                json.WriteNumber("probability", Sampler.Probabilities[k]);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("evaluations");
            foreach (var (step, scores) in evaluations)
            {
                json.WriteStartObject();
                json.WriteNumber("step", step);
                json.WriteStartArray("tasks");
                foreach (var s in scores)
                {
                    json.WriteStartObject();
                    Scores(json, s);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        });
    }

    public void Dispose()
    {
        _step.Dispose();
        foreach (var job in _jobs) job.Dispose();
    }
}
