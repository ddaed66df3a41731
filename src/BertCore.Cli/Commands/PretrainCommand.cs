using System.CommandLine;
using System.Globalization;
using BertCore.Cli.Plots;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.Data.Tasks;
using BertCore.Distributed;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Text;
using BertCore.Training;
using BertCore.Training.Distillation;
using BertCore.Training.Electra;

namespace BertCore.Cli.Commands;

/// <summary>
/// <c>bertcore pretrain</c>: masked-LM pretraining from scratch or from a checkpoint (<c>--init</c>), with
/// checkpoints and exact <c>--resume</c>; a thin layer over <see cref="Pretrainer"/>.
/// </summary>
public sealed class PretrainCommand : ICommand
{
    private readonly Option<string[]> _corpus = CliOption.Many("--corpus",
        "input: plain text (a sentence or paragraph per line, blank line between documents) or JSONL with a \"text\" field", valueName: "FILE");
    private readonly Option<string> _batches = CliOption.Text("--batches",
        "input instead of --corpus: a pre-masked batch stream (safetensors: input_ids, token_type_ids, attention_mask, mlm_labels " +
        "[N, B, S], optional nsp_labels [N, B]; see tools/reference/README.md) read in order and repeated; --batch, --seq, --mask, " +
        "--mask-prob and --cased do not apply. This is the PyTorch-parity path.", valueName: "FILE");
    private readonly Option<string[]> _evalCorpus = CliOption.Many("--eval-corpus",
        "held-out data (a pre-masked stream file when --batches is used); enables evaluation of MLM accuracy and perplexity", valueName: "FILE");
    private readonly Option<string> _config = CliOption.Text("--config",
        "a fresh model: tiny, mini, small, base (vocabulary size from --vocab) or a config.json", valueName: "NAME|PATH");
    private readonly Option<string> _init = CliOption.Text("--init",
        "instead of --config: continue pretraining a Hugging Face model folder (heads it lacks start fresh)", valueName: "DIR");
    private readonly Option<string> _vocab = CliOption.Text("--vocab",
        "WordPiece vocabulary; copied into every saved model (default with --init: DIR/vocab.txt)", valueName: "PATH");
    private readonly Option<bool> _cased = CliOption.Flag("--cased", "keep case and accents when tokenizing the corpus");
    private readonly Option<int> _batch = CliOption.Int("--batch", 32, "sequences per micro-batch", "B");
    private readonly Option<int> _seq = CliOption.Int("--seq", 128, "sequence length in tokens", "S");
    private readonly Option<string> _mask = CliOption.Text("--mask", "masking of the corpus", fallback: "token", valueName: "KIND",
        among: ["token", "whole-word", "span"]);
    private readonly Option<float> _maxMinutes = CliOption.Float("--max-minutes", 0f,
        "wall-clock budget of the whole run (time before --resume included; 0: none). It drives the schedule: warmup over " +
        "--warmup-fraction of M, then decay to 0 at M; the step that ends past M is the last (evaluated and saved); --max-steps " +
        "becomes optional. Not repeatable step for step: how many steps fit depends on the machine", "M");
    private readonly Option<string> _maskProb = CliOption.Text("--mask-prob",
        "fraction of tokens to mask, fixed (0.15) or going linearly from P0 to P1 over the run (0.3:0.15)", fallback: "0.15", valueName: "P|P0:P1");
    private readonly Option<string> _batchRamp = CliOption.Text("--batch-ramp",
        "start with S sequences per step (a multiple of --batch) and rise to --batch x --grad-accum over the first fraction F of the run " +
        "(through the micro-batches per step)", valueName: "S:F");
    private readonly Option<bool> _pack = CliOption.Flag("--pack",
        "mlm only: fill every sequence with --seq tokens of consecutive text, across sentences and documents (no padding); " +
        "without it a sequence holds whole sentences of one document");
    private readonly Option<string> _importance = CliOption.Text("--importance",
        "selective masking: TSV token<TAB>weight; tokens are masked with probability proportional to weight (0 = never), " +
        "unlisted tokens weigh 1 (not with --mask span)", valueName: "FILE");
    private readonly Option<string> _objective = CliOption.Text("--objective",
        "training objective; electra: replaced-token detection (a small generator trained by MLM fills the masked positions, the " +
        "model learns which tokens were replaced; the model saved is that discriminator, the generator goes to DIR/generator)",
        fallback: "mlm", valueName: "OBJ", among: ["mlm", "mlm+nsp", "mlm+sop", "electra"]);
    private readonly Option<int?> _generatorLayers = CliOption.MaybeInt("--generator-layers",
        "electra: generator layers (default a third of the model's, at least 1)");
    private readonly Option<int?> _generatorIntermediate = CliOption.MaybeInt("--generator-intermediate",
        "electra: generator feed-forward width (default half the model's intermediate_size)");
    private readonly Option<float> _rtdWeight = CliOption.Float("--rtd-weight", 50f,
        "electra: loss = generator MLM + W * replaced-token binary cross-entropy", "W");
    private readonly Option<string> _teacher = CliOption.Text("--teacher",
        "distillation: a pretrained model folder with an MLM head over the same vocabulary: the MLM loss becomes " +
        "A * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - A) * CE over the masked positions (the teacher runs " +
        "online on each batch, dropout off)", valueName: "DIR");
    private readonly Option<float> _distillAlpha = CliOption.Float("--distill-alpha", 0.5f, "weight of the soft targets", "A");
    private readonly Option<float> _temperature = CliOption.Float("--temperature", 2f, "softmax temperature", "T");
    private readonly Option<int?> _maxSteps = CliOption.MaybeInt("--max-steps", "optimizer steps (required unless --max-minutes is given)");
    private readonly Option<float?> _lr = CliOption.MaybeFloat("--lr",
        $"peak learning rate (default by model size: {PretrainerOptions.SmallModelLearningRate:0e0} up to hidden size " +
        $"{PretrainerOptions.SmallModelHiddenSize}, {PretrainerOptions.BaseLearningRate:0e0} above, as BERT)", "LR");
    private readonly Option<int?> _warmup = CliOption.MaybeInt("--warmup", "linear warmup steps (default max-steps / 100), then --schedule");
    private readonly Option<float?> _warmupFraction = CliOption.MaybeFloat("--warmup-fraction",
        "with --max-minutes: the fraction of the budget spent warming up (default 0.06, Izsak et al. 2021)", "F");
    private readonly Option<string> _schedule = CliOption.Text("--schedule",
        "linear (decays to 0 at max-steps or at the --max-minutes budget), cosine, constant or stlr (not with --max-minutes)",
        fallback: "linear", valueName: "NAME");
    private readonly Option<float> _weightDecay = CliOption.Float("--weight-decay", 0.01f, "AdamW weight decay (none on biases and LayerNorm)", "W");
    private readonly Option<float> _maxGradNorm = CliOption.Float("--max-grad-norm", 1f, "global gradient-norm clip (0 turns clipping off)");
    private readonly Option<float> _beta2 = CliOption.Beta2(0.999f);
    private readonly Option<float> _adamEps = CliOption.AdamEps(1e-6f);
    private readonly Option<int> _gradAccum = CliOption.Int("--grad-accum", 1, "micro-batches per optimizer step", "K");
    private readonly Option<int> _seed = CliOption.Int("--seed", 1, "model initialization, dropout and data order");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<string> _output = CliOption.Text("--output",
        "checkpoints (DIR/checkpoint-N), metrics.csv, loss.png and, at the end, the final model in Hugging Face layout " +
        "(config.json, model.safetensors, vocab.txt)", required: true, valueName: "DIR");
    private readonly Option<int> _saveEvery = CliOption.Int("--save-every", 1000, "checkpoint every N steps and after the last");
    private readonly Option<int> _keep = CliOption.Int("--keep", 2, "checkpoints to keep");
    private readonly Option<int?> _evalEvery = CliOption.MaybeInt("--eval-every", "evaluate every N steps (default --save-every) and after the last");
    private readonly Option<int> _evalBatches = CliOption.Int("--eval-batches", 20, "held-out batches per evaluation");
    private readonly Option<int> _logEvery = CliOption.Int("--log-every", 50, "a log line every N steps when the output is not a terminal");
    private readonly Option<bool> _resume = CliOption.Flag("--resume",
        "continue from the newest checkpoint in DIR (the same options are required); the result is bitwise the same as an " +
        "uninterrupted run");
    private readonly InDomainOptionSet _inDomain = new();
    private readonly ArchitectureOptionSet _architecture = new();

    public string Summary => "masked-LM pretraining (from scratch or --init DIR), with checkpoints and exact --resume";

    public string Notes => """
            Usage: bertcore pretrain --corpus FILE... --vocab vocab.txt (--config NAME|config.json | --init DIR)
                                     --output DIR (--max-steps N | --max-minutes M) [options]
            Optimization: AdamW, beta1 0.9, beta2 0.999 and eps 1e-6 as BERT (--beta2, --adam-eps); no decay on biases and
            LayerNorm. The default --lr depends on the model's size (a tiny model barely moves at BERT's 1e-4).
            See docs/pretraining.md for low-budget recipes (Izsak et al. 2021, Cramming).
            Ctrl+C stops after the current step and writes a checkpoint.
        """;

    public Command Create()
    {
        CliOption.Suggest(_schedule, "linear", "cosine", "constant", "stlr");
        var command = new Command("pretrain", Summary)
        {
            _corpus, _batches, _evalCorpus, _config, _init, _vocab, _cased, _batch, _seq, _mask, _maxMinutes, _maskProb, _batchRamp, _pack, _importance,
            _objective, _generatorLayers, _generatorIntermediate, _rtdWeight, _teacher, _distillAlpha, _temperature, _maxSteps, _lr, _warmup,
            _warmupFraction, _schedule, _weightDecay, _maxGradNorm, _beta2, _adamEps, _gradAccum,
            _seed, _device, _threads, _output, _saveEvery, _keep, _evalEvery, _evalBatches, _logEvery, _resume,
        };
        foreach (Option option in _inDomain.All)
            command.Options.Add(option);
        foreach (var option in _architecture.All) command.Options.Add(option);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse) => DataParallelCli.Run("pretrain", world => Run(parse, world));

    private int Run(ParseResult parse, ICommunicator world)
    {
        var o = Parse(parse);
        DataParallelCli.RequireShards(world, o.GradAccum, "--grad-accum");
        var inDomain = ParseInDomain(parse, o);
        using var backend = DataParallelCli.Backend(world, o.Device, parse.GetValue(_threads));
        var vocabPath = o.Vocab ?? (o.Init != null && File.Exists(Path.Combine(o.Init, ModelDirectory.VocabFile))
            ? Path.Combine(o.Init, ModelDirectory.VocabFile) : null);
        var vocab = vocabPath == null ? null : Vocabulary.Load(vocabPath);
        if (vocab == null && (o.Corpus.Count > 0 || inDomain != null || o.Config is { } c && BertConfig.PresetNames.Contains(c)))
            throw new UsageException(o.Corpus.Count > 0 ? "--vocab is required to tokenize the corpus" : $"--config {o.Config} needs --vocab to size the vocabulary");

        var latest = PretrainingCheckpoint.Latest(o.Output);
        if (latest != null && !o.Resume)
            throw new InvalidOperationException($"{o.Output} already holds {Path.GetFileName(latest)}; pass --resume to continue that run or choose another --output");

        using var model = CreateModel(o, vocab, parse);
        _architecture.ApplyDropout(parse, model);
        if (model.Config.TransformersIncompatibility is { } incompatible) Console.WriteLine($"note: {incompatible}");
        if (vocab != null && vocab.Count > model.Config.VocabSize)
            throw new InvalidFileException(vocabPath!, null, $"has {vocab.Count} tokens but the model's vocab_size is {model.Config.VocabSize}");
        if ((o.Corpus.Count > 0 || inDomain != null) && o.Seq > model.Config.MaxPositionEmbeddings)
            throw new UsageException($"--seq {o.Seq} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
        var (train, eval) = world.RankZeroFirst("rank 0's token caches", () =>   // rank 0 builds them, the others read them
            (CreateSource(o, vocabPath, model.Config.VocabSize, heldOut: false, inDomain)!, CreateSource(o, vocabPath, model.Config.VocabSize, heldOut: true)));
        using var ownedTrain = train as IDisposable;
        using var ownedEval = eval as IDisposable;
        var evalStart = eval?.Position;
        var options = new PretrainerOptions
        {
            MaxSteps = o.MaxSteps, OutputDirectory = o.Output, LearningRate = o.Lr ?? PretrainerOptions.DefaultLearningRate(model.Config),
            WarmupSteps = o.Warmup, Schedule = o.Schedule, WarmupFraction = o.WarmupFraction, BatchRamp = o.BatchRamp, MaskRate = o.MaskRate,
            Beta2 = o.Beta2, Eps = o.AdamEps, WeightDecay = o.WeightDecay, MaxGradNorm = o.MaxGradNorm, GradientAccumulationSteps = o.GradAccum,
            RelationHead = Relation(o), EvalEvery = o.EvalEvery, EvalBatches = o.EvalBatches, SaveEvery = o.SaveEvery,
            KeepCheckpoints = o.Keep, Seed = o.Seed, TimeBudget = o.MaxMinutes > 0 ? TimeSpan.FromMinutes(o.MaxMinutes) : null,
        };
        using var distillation = o.Teacher == null ? null : MlmDistillation.Load(o.Teacher, o.DistillAlpha, o.Temperature);
        if (distillation != null)
            Console.WriteLine($"--teacher {o.Teacher}: {distillation.Teacher.ParameterCount:N0} parameters; alpha {o.DistillAlpha}, temperature {o.Temperature}");
        if (o.Lr == null) Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"--lr {options.LearningRate:0e0} (the default for hidden size {model.Config.HiddenSize})"));
        using var electra = o.Objective != "electra" ? null : new ElectraObjective(model,
            o.GeneratorLayers ?? ElectraObjective.DefaultGeneratorLayers(model.Config),
            o.GeneratorIntermediate ?? ElectraObjective.DefaultGeneratorIntermediate(model.Config), o.RtdWeight, o.Seed);
        if (electra != null)
            Console.WriteLine($"--objective electra: generator of {electra.Generator.Config.NumHiddenLayers} layers, intermediate size " +
                $"{electra.Generator.Config.IntermediateSize} ({electra.TrainableParameters.Sum(p => p.Value.Count):N0} parameters with the head); " +
                $"rtd weight {o.RtdWeight}");
        using var trainer = new Pretrainer(backend, model, options, train, eval, vocabPath, (IPretrainingObjective?)distillation ?? electra, world: world);
        if (o.Resume && latest != null)
        {
            trainer.Resume(latest);
            Console.WriteLine($"resumed from {latest} at step {trainer.Step}");
        }
        else if (o.Resume) Console.WriteLine($"no checkpoint in {o.Output}: starting at step 0");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        var display = TrainingDisplay.ForConsole();
        var printer = new PretrainProgressPrinter(o.LogEvery, display);
        trainer.StepCompleted += printer.Print;
        PretrainingResult result;
        try
        {
            result = display.Run(() => trainer.Run(cancel.Token));
        }
        finally
        {
            printer.Finish();
        }
        if (world.Rank == 0) RunPlots.Write(o.Output);
        if (!result.Completed)
        {
            Console.WriteLine($"stopped at step {result.Step}; checkpoint {result.LastCheckpoint ?? "(none: no step was taken)"}; continue with --resume");
            return 130;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"done: {result.Step} steps, last loss {result.LastLoss:F4}; model saved to {o.Output}"));
        if (electra != null && result.LastEvaluation is { } detection)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out replaced-token accuracy {detection.RtdAccuracy:F4} (always \"original\": {detection.RtdBaseline:F4}); the generator's MLM accuracy {detection.Accuracy:F4}, perplexity {detection.Perplexity:F2}"));
        else if (train is PretrainingBatchSource corpus && eval is PretrainingBatchSource heldOut && result.LastEvaluation is { } final)
        {
            heldOut.Seek(evalStart!);
            var unigram = UnigramBaseline.Evaluate(corpus.Corpus, model.Config.VocabSize, heldOut, o.EvalBatches);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"held-out MLM: accuracy {final.Accuracy:F4}, perplexity {final.Perplexity:F2}; unigram baseline (most frequent token): " +
                $"accuracy {unigram.Accuracy:F4}, perplexity {unigram.Perplexity:F2} over {unigram.MaskedTokens} masked tokens"));
        }
        return 0;
    }

    private BertForPreTraining CreateModel(Options o, Vocabulary? vocab, ParseResult parse)
    {
        bool relation = Relation(o), mlmHead = o.Objective != "electra";
        if (o.Init != null)
        {
            _architecture.Apply(parse, config: null);   // refuses --pre-ln and --no-bias: the checkpoint has its architecture
            var (model, report) = PretrainingModel.FromCheckpoint(o.Init, relation, o.Seed, mlmHead);
            Console.WriteLine($"--init {o.Init}: {report}");
            return model;
        }
        var config = BertConfig.PresetNames.Contains(o.Config!)
            ? BertConfig.Preset(o.Config!) with { VocabSize = vocab!.Count, PadTokenId = vocab.PadId, Architectures = ["BertForPreTraining"] }
            : BertConfig.Load(o.Config!);
        return PretrainingModel.New(_architecture.Apply(parse, config)!, relation, o.Seed, mlmHead);
    }

    /// <summary>Whether the run trains a sentence-relation (NSP/SOP) head.</summary>
    private static bool Relation(Options o) => o.Objective is "mlm+nsp" or "mlm+sop";

    /// <summary>The in-domain text of the run (<c>--in-domain</c>), with its ratio to <c>--corpus</c>; null without it.</summary>
    private sealed record InDomainText(IReadOnlyList<string> Files, double Ratio, SequenceReadOptions Columns);

    private InDomainText? ParseInDomain(ParseResult parse, Options o) =>
        _inDomain.InDomainRatio(parse, hasGeneral: o.Corpus.Count > 0) is { } ratio
            ? new InDomainText(_inDomain.Read(parse), ratio, _inDomain.Columns(parse))
            : null;

    /// <summary>The training source over the in-domain text, mixed with <c>--corpus</c> when given; reports what each
    /// source holds and how often the step budget repeats it.</summary>
    private static IPretrainingBatchSource CreateMixedSource(Options o, InDomainText inDomain, string vocabPath, PretrainingDataOptions data)
    {
        var printer = new ProgressPrinter("pretrain (--in-domain)");
        var cache = Path.Combine(o.Output, "cache");
        IPretrainingBatchSource source = o.Corpus.Count == 0
            ? PretrainingBatchSource.Open(inDomain.Files, vocabPath, lowercase: !o.Cased, Path.Combine(cache, "in-domain"), data,
                progress: printer, format: CorpusFormat.TaskFile, columns: inDomain.Columns)
            : MixedBatchSource.Open(inDomain.Files, inDomain.Columns, o.Corpus, inDomain.Ratio, vocabPath, lowercase: !o.Cased, cache, data, printer);
        printer.EndBar();
        long sequences = (long)o.MaxSteps * o.GradAccum * o.Batch, fromInDomain = MixedBatchSource.InDomainCount(sequences, inDomain.Ratio);
        static string Seen(long taken, int available) => string.Create(CultureInfo.InvariantCulture, $"{(double)taken / available:F2}");
        var single = source as PretrainingBatchSource;
        var (task, general) = source is MixedBatchSource mixed ? (mixed.InDomain, mixed.General) : (single!, null);
        if (o.MaxSteps == 0)   // a run driven by --max-minutes alone: its number of sequences is not known in advance
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"--in-domain: {task.Examples.Count:N0} sequences ({task.Corpus.TokenCount:N0} tokens), {100 * inDomain.Ratio:F1}% of the batches"));
            if (general != null)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"--corpus: {general.Examples.Count:N0} sequences ({general.Corpus.TokenCount:N0} tokens)"));
            return source;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"--in-domain: {task.Examples.Count:N0} sequences ({task.Corpus.TokenCount:N0} tokens); the {sequences:N0} sequences of " +
            $"--max-steps {o.MaxSteps} take {fromInDomain:N0} of them ({100 * inDomain.Ratio:F1}%), seeing each {Seen(fromInDomain, task.Examples.Count)} times"));
        if (general != null)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"--corpus: {general.Examples.Count:N0} sequences ({general.Corpus.TokenCount:N0} tokens); {sequences - fromInDomain:N0} " +
                $"taken, each seen {Seen(sequences - fromInDomain, general.Examples.Count)} times"));
        return source;
    }

    /// <summary>The training source (over the in-domain text when <paramref name="inDomain"/> is given), or the held-out
    /// one (null when no held-out data was given).</summary>
    private static IPretrainingBatchSource? CreateSource(Options o, string? vocabPath, int vocabSize, bool heldOut, InDomainText? inDomain = null)
    {
        if (o.Batches != null)
        {
            if (heldOut && o.EvalCorpus.Count > 1) throw new UsageException("with --batches, --eval-corpus takes one pre-masked stream file");
            var path = heldOut ? o.EvalCorpus.FirstOrDefault() : o.Batches;
            if (path == null) return null;
            var file = PreMaskedBatchFile.Open(path, vocabSize);
            if (Relation(o) && !file.HasRelationLabels)
                throw new InvalidFileException(path, null, $"has no nsp_labels, which --objective {o.Objective} trains on");
            return file;
        }
        var files = heldOut ? o.EvalCorpus : o.Corpus;
        if (files.Count == 0 && inDomain == null) return null;
        var data = new PretrainingDataOptions
        {
            MaxSequenceLength = o.Seq, BatchSize = o.Batch, Objective = PretrainingDataOptions.ParseObjective(Relation(o) ? o.Objective : "mlm"),
            Masking = PretrainingDataOptions.ParseMasking(o.Mask), MaskProbability = heldOut ? o.MaskRate?.End ?? o.MaskProb : o.MaskProb, ImportanceFile = o.Importance,
            Pack = o.Pack, Seed = (ulong)(heldOut ? o.Seed + 1 : o.Seed),
        };
        data.Validate();
        if (inDomain != null) return CreateMixedSource(o, inDomain, vocabPath!, data);
        var printer = new ProgressPrinter(heldOut ? "pretrain (--eval-corpus)" : "pretrain (--corpus)");
        var source = PretrainingBatchSource.Open(files, vocabPath!, lowercase: !o.Cased, Path.Combine(o.Output, "cache"), data, heldOut, printer);
        printer.EndBar();
        return source;
    }

    private sealed record Options(
        IReadOnlyList<string> Corpus, string? Batches, IReadOnlyList<string> EvalCorpus, string? Vocab, string? Config, string? Init,
        string Output, int MaxSteps, int Batch, int Seq, float? Lr, int Warmup, string Schedule, float WeightDecay, float MaxGradNorm,
        int GradAccum, string Mask, double MaskProb, string Objective, bool Cased, int EvalEvery, int EvalBatches, int SaveEvery,
        int Keep, int LogEvery, bool Resume, int Seed, string Device, string? Importance, float MaxMinutes,
        string? Teacher, float DistillAlpha, float Temperature, int? GeneratorLayers, int? GeneratorIntermediate, float RtdWeight)
    {
        public double WarmupFraction { get; init; } = 0.06;
        public BatchRamp? BatchRamp { get; init; }
        public MaskRateSchedule? MaskRate { get; init; }
        public float Beta2 { get; init; }
        public float AdamEps { get; init; }
        public bool Pack { get; init; }
    }

    private Options Parse(ParseResult parse)
    {
        IReadOnlyList<string> corpus = parse.GetValue(_corpus) ?? [];
        var batches = parse.GetValue(_batches);
        string? config = parse.GetValue(_config), init = parse.GetValue(_init);
        int maxSteps = parse.GetValue(_maxSteps) ?? 0, saveEvery = parse.GetValue(_saveEvery);
        var o = new Options(
            Corpus: corpus, Batches: batches, EvalCorpus: parse.GetValue(_evalCorpus) ?? [], Vocab: parse.GetValue(_vocab), Config: config,
            Init: init, Output: parse.GetValue(_output)!, MaxSteps: maxSteps, Batch: parse.GetValue(_batch), Seq: parse.GetValue(_seq),
            Lr: parse.GetValue(_lr), Warmup: parse.GetValue(_warmup) ?? maxSteps / 100, Schedule: parse.GetValue(_schedule)!,
            WeightDecay: parse.GetValue(_weightDecay), MaxGradNorm: parse.GetValue(_maxGradNorm), GradAccum: parse.GetValue(_gradAccum),
            Mask: parse.GetValue(_mask)!, MaskProb: 0, Objective: parse.GetValue(_objective)!, Cased: parse.GetValue(_cased),
            EvalEvery: parse.GetValue(_evalEvery) ?? saveEvery, EvalBatches: parse.GetValue(_evalBatches), SaveEvery: saveEvery,
            Keep: parse.GetValue(_keep), LogEvery: parse.GetValue(_logEvery), Resume: parse.GetValue(_resume), Seed: parse.GetValue(_seed),
            Device: parse.GetValue(_device)!, Importance: parse.GetValue(_importance), MaxMinutes: parse.GetValue(_maxMinutes),
            Teacher: parse.GetValue(_teacher), DistillAlpha: parse.GetValue(_distillAlpha), Temperature: parse.GetValue(_temperature),
            GeneratorLayers: parse.GetValue(_generatorLayers), GeneratorIntermediate: parse.GetValue(_generatorIntermediate), RtdWeight: parse.GetValue(_rtdWeight))
        {
            WarmupFraction = parse.GetValue(_warmupFraction) ?? 0.06, Beta2 = parse.GetValue(_beta2), AdamEps = parse.GetValue(_adamEps),
            Pack = parse.GetValue(_pack),
        };
        o = WithMaskRate(o, parse.GetValue(_maskProb)!);
        o = o with { BatchRamp = ParseBatchRamp(parse.GetValue(_batchRamp), o.Batch, o.GradAccum) };
        CliOption.ValidateAdam(parse, _beta2, _adamEps);
        if (o.MaxMinutes > 0 && parse.Given(_warmup)) throw new UsageException("--warmup counts steps; with --max-minutes give --warmup-fraction");
        if (o.MaxMinutes <= 0 && parse.Given(_warmupFraction)) throw new UsageException("--warmup-fraction needs --max-minutes (step-driven runs take --warmup)");
        if (o.WarmupFraction is not (>= 0 and < 1)) throw new UsageException("--warmup-fraction must be in [0, 1)");

        if ((corpus.Count > 0 || _inDomain.Read(parse).Count > 0) == (batches != null))
            throw new UsageException("give exactly one of --corpus FILE... (or --in-domain FILE..., or both) and --batches FILE");
        if ((config != null) == (init != null)) throw new UsageException("give exactly one of --config and --init");
        if (o.MaxMinutes < 0) throw new UsageException("--max-minutes must not be negative");
        if (o.MaxMinutes > 0 ? maxSteps < 0 || (parse.Given(_maxSteps) && maxSteps < 1) : maxSteps < 1)
            throw new UsageException("--max-steps N (at least 1) is required unless --max-minutes is given");
        if (o.Batch < 1 || o.Seq < 8) throw new UsageException("--batch must be at least 1 and --seq at least 8");
        if (o.Warmup < 0 || o.GradAccum < 1 || o.SaveEvery < 0 || o.EvalEvery < 0 || o.EvalBatches < 1 || o.Keep < 1 || o.LogEvery < 1)
            throw new UsageException("--warmup, --save-every and --eval-every must not be negative; --grad-accum, --eval-batches, --keep and --log-every must be at least 1");
        if (o.Lr <= 0) throw new UsageException("--lr must be positive");
        if (o.BatchRamp != null && o.Batches != null) throw new UsageException("--batch-ramp needs --corpus (it counts in --batch sequences)");
        if (o.Pack && (o.Batches != null || Relation(o))) throw new UsageException("--pack needs --corpus and an objective without NSP/SOP (mlm or electra)");
        if (o.MaskRate != null && o.Batches != null) throw new UsageException("a changing --mask-prob needs --corpus (--batches are masked already)");
        if (o.Objective == "electra" && o.Teacher != null) throw new UsageException("--objective electra does not take a --teacher");
        if (o.GeneratorLayers < 1 || o.GeneratorIntermediate < 1 || !(o.RtdWeight > 0))
            throw new UsageException("--generator-layers and --generator-intermediate must be at least 1 and --rtd-weight positive");
        if (o.DistillAlpha is not (>= 0 and <= 1) || !(o.Temperature > 0)) throw new UsageException("--distill-alpha must be in [0, 1] and --temperature positive");
        return o;
    }

    /// <summary>Reads <c>--mask-prob P</c> (fixed) or <c>P0:P1</c> (linear over the run).</summary>
    private static Options WithMaskRate(Options o, string text)
    {
        var parts = text.Split(':');
        var rates = parts.Select(p => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r : double.NaN).ToArray();
        if (parts.Length > 2 || rates.Any(r => r is not (> 0 and < 1)))
            throw new UsageException($"--mask-prob must be P or P0:P1 with each rate between 0 and 1, not '{text}'");
        return rates.Length == 1 ? o with { MaskProb = rates[0] } : o with { MaskProb = rates[0], MaskRate = new MaskRateSchedule(rates[0], rates[1]) };
    }

    /// <summary>Reads <c>--batch-ramp S:F</c> into micro-batches of <paramref name="batch"/> sequences (null when absent).</summary>
    private static BatchRamp? ParseBatchRamp(string? text, int batch, int gradAccum)
    {
        if (text == null) return null;
        var parts = text.Split(':');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int start)
            || !double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double fraction))
            throw new UsageException($"--batch-ramp must be S:F (start sequences : fraction of the run), not '{text}'");
        if (batch < 1 || start < batch || start % batch != 0 || start > batch * gradAccum || fraction is not (> 0 and <= 1))
            throw new UsageException($"--batch-ramp {text}: S must be a multiple of --batch {batch} up to --batch x --grad-accum " +
                $"({batch * gradAccum}) and F in (0, 1]");
        return new BatchRamp(start / batch, fraction);
    }
}
