using System.Diagnostics;
using System.Text;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training;
using BertCore.Training.FineTuning;
using BertCore.Cli.Plots;

namespace BertCore.Demo;

/// <summary>
/// The whole BertCore workflow in one call (<c>bertcore demo</c>): prepare the data (the synthetic default, or real
/// data laid out like shared/data), train a WordPiece vocabulary on the corpus, pretrain a small BERT with masked-LM,
/// fine-tune every task twice — from the pretrained model and from random initialization, with the same seed,
/// steps and hyper-parameters — and report the best dev score of each run, so the gain from pretraining shows.
/// Everything lands in the output folder:
/// <code>
/// data/                 the synthetic files, or the corpus and XQuAD splits of the real data
/// vocab.txt             the trained vocabulary
/// pretrain/             the pretrained model, metrics.csv, loss.png
/// finetune/TASK-pretrained/, finetune/TASK-random/   each a fine-tuned model with metrics.csv, loss.png, dev.png
/// plots/TASK.png        the dev metric of both runs against the step
/// results.md, results.json
/// </code>
/// Deterministic given the seed (on the CPU backend).
/// </summary>
public sealed class DemoPipeline(DemoOptions options, IBackend? backend = null)
{
    private readonly IBackend _backend = backend ?? new CpuBackend();

    public DemoOptions Options { get; } = options;

    /// <summary>The budget the run uses (<see cref="DemoBudget.For"/>).</summary>
    public DemoBudget Budget { get; } = DemoBudget.For(options);

    /// <summary>A line for each stage (data, vocabulary, pretraining, each fine-tuning run, results).</summary>
    public event Action<string>? Stage;

    /// <summary>Every pretraining step.</summary>
    public event Action<PretrainingProgress>? PretrainingStep;

    /// <summary>Every fine-tuning step of every run.</summary>
    public event Action<FineTuningProgress>? FineTuningStep;

    /// <summary>Progress of the vocabulary training and the corpus tokenization.</summary>
    public IProgress<WorkProgress>? WorkProgress { get; init; }

    /// <summary>Runs every stage and writes the results (see the class remarks).</summary>
    /// <exception cref="OperationCanceledException">Cancelled (after the current step).</exception>
    public DemoResults Run(CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        string output = Options.OutputDirectory;
        Directory.CreateDirectory(output);
        var inputs = Options.DataDirectory == null
            ? DemoData.Synthetic(Path.Combine(output, "data"), Options.Seed)
            : DemoData.Real(Options.DataDirectory, Path.Combine(output, "data"));
        Stage?.Invoke($"data: {inputs.Description}");

        string vocabPath = Path.Combine(output, ModelDirectory.VocabFile);
        var vocabulary = TrainVocabulary(inputs.Corpus, vocabPath);
        var config = Budget.Model with { VocabSize = vocabulary.Count, PadTokenId = vocabulary.PadId, Architectures = ["BertForPreTraining"] };
        var pretraining = Pretrain(inputs, config, vocabPath, cancellation);

        var rows = new List<DemoRow>();
        foreach (var task in inputs.Tasks)
        {
            var pretrained = FineTune(task, "pretrained", new FineTuningSetup { Task = task.Task, TrainFile = task.Train, DevFile = task.Dev, ModelDirectory = pretraining.Directory }, cancellation, out int train, out int dev);
            var random = FineTune(task, "random", new FineTuningSetup { Task = task.Task, TrainFile = task.Train, DevFile = task.Dev, Config = config, VocabPath = vocabPath }, cancellation, out _, out _);
            var row = new DemoRow(task, train, dev, pretrained, random);
            rows.Add(row);
            Plot(row, Path.Combine(output, "plots"));
        }
        var distillation = Distill(rows, cancellation);
        var results = new DemoResults(Options, Budget, inputs, vocabulary.Count, pretraining, rows, clock.Elapsed) { Distillation = distillation };
        results.Save();
        Stage?.Invoke($"results: {Path.Combine(output, DemoResults.MarkdownFile)}, plots in {Path.Combine(output, "plots")}");
        return results;
    }

    /// <summary>A WordPiece vocabulary of the corpus (uncased), written to <paramref name="path"/>.</summary>
    private Vocabulary TrainVocabulary(IReadOnlyList<string> corpus, string path)
    {
        Stage?.Invoke($"vocabulary: WordPiece, at most {Budget.VocabularySize} tokens");
        var trainer = new WordPieceTrainer(Budget.VocabularySize);
        foreach (var document in CorpusReader.Read(corpus))
            foreach (var sentence in document.Sentences) trainer.AddText(sentence);
        var vocabulary = trainer.Train(WorkProgress);
        AtomicFile.Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(string.Join('\n', vocabulary.Tokens) + "\n")));
        return vocabulary;
    }

    /// <summary>Masked-LM pretraining of a fresh model into pretrain/.</summary>
    private DemoPretraining Pretrain(DemoInputs inputs, BertConfig config, string vocabPath, CancellationToken cancellation)
    {
        string dir = Path.Combine(Options.OutputDirectory, "pretrain");
        var clock = Stopwatch.StartNew();
        var data = new PretrainingDataOptions { MaxSequenceLength = Budget.PretrainSequence, BatchSize = Budget.PretrainBatch, Seed = (ulong)Options.Seed };
        string cache = Path.Combine(dir, "cache");
        using var train = PretrainingBatchSource.Open(inputs.Corpus, vocabPath, lowercase: true, cache, data, progress: WorkProgress);
        using var eval = PretrainingBatchSource.Open(inputs.EvalCorpus, vocabPath, lowercase: true, cache, data with { Seed = (ulong)Options.Seed + 1 },
            heldOut: true, progress: WorkProgress);
        using var model = PretrainingModel.New(config, relationHead: false, Options.Seed);
        Stage?.Invoke($"pretraining: {model.ParameterCount:N0} parameters, {Budget.PretrainSteps} MLM steps of {Budget.PretrainBatch} × {Budget.PretrainSequence} tokens");
        var pretrainerOptions = new PretrainerOptions
        {
            MaxSteps = Budget.PretrainSteps, OutputDirectory = dir, LearningRate = Budget.PretrainLearningRate,
            WarmupSteps = Budget.PretrainSteps / 10, EvalEvery = Math.Max(1, Budget.PretrainSteps / 4), EvalBatches = 5, KeepCheckpoints = 1,
            Seed = Options.Seed,
        };
        using var trainer = new Pretrainer(_backend, model, pretrainerOptions, train, eval, vocabPath);
        trainer.StepCompleted += p => PretrainingStep?.Invoke(p);
        var result = trainer.Run(cancellation);
        RunPlots.Write(dir);
        if (!result.Completed) throw new OperationCanceledException("the demo was cancelled during pretraining");
        return new DemoPretraining(dir, model.ParameterCount, result.Step, (long)result.Step * Budget.PretrainBatch * Budget.PretrainSequence,
            result.LastEvaluation, clock.Elapsed);
    }

    /// <summary>One fine-tuning run of <paramref name="task"/> into finetune/TASK-INIT/.</summary>
    private DemoRun FineTune(DemoTask task, string init, FineTuningSetup setup, CancellationToken cancellation, out int trainExamples, out int devExamples)
    {
        string dir = Path.Combine(Options.OutputDirectory, "finetune", $"{task.Name.ToLowerInvariant()}-{init}");
        setup = setup with { MaxSequenceLength = Budget.MaxSequence, MaxTrainExamples = Budget.MaxTrainExamples, MaxDevExamples = Budget.MaxDevExamples };
        var options = new FineTunerOptions
        {
            OutputDirectory = dir, Epochs = Budget.Epochs, BatchSize = Budget.Batch, LearningRate = Budget.LearningRate, KeepCheckpoints = 0,
            Seed = Options.Seed,
        };
        using var job = FineTuningJob.Prepare(_backend, setup, options);
        trainExamples = job.Tuner.Train.File.Count;
        devExamples = job.Tuner.Dev!.File.Count;
        Stage?.Invoke($"fine-tuning {task.Name} ({task.Task.Name()}) from {(init == "random" ? "random initialization" : "the pretrained model")}: " +
            $"{trainExamples} training / {devExamples} dev examples, {job.Tuner.TotalSteps} steps");
        job.Tuner.StepCompleted += p => FineTuningStep?.Invoke(p);
        var result = job.Run(cancellation);
        RunPlots.Write(dir);
        if (!result.Completed) throw new OperationCanceledException("the demo was cancelled during fine-tuning");
        return new DemoRun(result, dir);
    }

    /// <summary>The first classification task's pretrained run distilled into finetune/TASK-distilled/ (none without one).</summary>
    private DemoDistillation? Distill(IReadOnlyList<DemoRow> rows, CancellationToken cancellation)
    {
        if (rows.FirstOrDefault(r => r.Task.Task == TaskKind.Classify) is not { } row) return null;
        string dir = Path.Combine(Options.OutputDirectory, "finetune", $"{row.Task.Name.ToLowerInvariant()}-distilled");
        Stage?.Invoke($"distillation: {row.Task.Name} fine-tuned from the pretrained model into a student of half its layers");
        return DemoDistillation.Run(_backend, row.Task, row.Pretrained, dir, Budget, Options.Seed, p => FineTuningStep?.Invoke(p), cancellation);
    }

    /// <summary>plots/TASK.png: the dev metric of both runs at each evaluation.</summary>
    private static void Plot(DemoRow row, string dir)
    {
        Directory.CreateDirectory(dir);
        string metric = row.Metric;
        Curve Series(string label, DemoRun run) => new($"{label} {metric}", run.Result.Evaluations.Select(e => (double)e.Step).ToArray(),
            run.Result.Evaluations.Select(e => e.Scores[metric]).ToArray(), Markers: true);
        LineChartPng.Write(Path.Combine(dir, row.Task.Name.ToLowerInvariant() + ".png"), [Series("pretrained", row.Pretrained), Series("random init", row.Random)], "step");
    }
}
