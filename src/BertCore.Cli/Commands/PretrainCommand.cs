using System.CommandLine;
using System.Globalization;
using BertCore.Cli.Plots;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data;
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
        "wall-clock budget: the step that ends past M minutes is the last one (evaluated and saved); the schedule still spans " +
        "--max-steps (0: none)", "M");
    private readonly Option<float> _maskProb = CliOption.Float("--mask-prob", 0.15f, "fraction of tokens to mask", "P");
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
    private readonly Option<int?> _maxSteps = CliOption.MaybeInt("--max-steps", "optimizer steps", required: true);
    private readonly Option<float> _lr = CliOption.Float("--lr", 1e-4f, "peak learning rate", "LR");
    private readonly Option<int?> _warmup = CliOption.MaybeInt("--warmup", "linear warmup steps (default max-steps / 100), then --schedule");
    private readonly Option<string> _schedule = CliOption.Text("--schedule",
        "linear (decays to 0 at max-steps), cosine, constant or stlr", fallback: "linear", valueName: "NAME");
    private readonly Option<float> _weightDecay = CliOption.Float("--weight-decay", 0.01f, "AdamW weight decay (none on biases and LayerNorm)", "W");
    private readonly Option<float> _maxGradNorm = CliOption.Float("--max-grad-norm", 1f, "global gradient-norm clip (0 turns clipping off)");
    private readonly Option<int> _gradAccum = CliOption.Int("--grad-accum", 1, "micro-batches per optimizer step", "K");
    private readonly Option<int> _seed = CliOption.Int("--seed", 1, "model initialization, dropout and data order");
    private readonly Option<string> _device = CliOption.Device();
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

    public string Summary => "masked-LM pretraining (from scratch or --init DIR), with checkpoints and exact --resume";

    public string Notes => """
            Usage: bertcore pretrain --corpus FILE... --vocab vocab.txt (--config NAME|config.json | --init DIR)
                                     --output DIR --max-steps N [options]
            Optimization: AdamW, betas 0.9/0.999, eps 1e-6 as BERT; no decay on biases and LayerNorm.
            Ctrl+C stops after the current step and writes a checkpoint.
        """;

    public Command Create()
    {
        CliOption.Suggest(_schedule, "linear", "cosine", "constant", "stlr");
        var command = new Command("pretrain", Summary)
        {
            _corpus, _batches, _evalCorpus, _config, _init, _vocab, _cased, _batch, _seq, _mask, _maxMinutes, _maskProb, _importance,
            _objective, _generatorLayers, _generatorIntermediate, _rtdWeight, _teacher, _distillAlpha, _temperature, _maxSteps, _lr, _warmup, _schedule, _weightDecay, _maxGradNorm, _gradAccum,
            _seed, _device, _output, _saveEvery, _keep, _evalEvery, _evalBatches, _logEvery, _resume,
        };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var o = Parse(parse);
        using var backend = Devices.Create(o.Device);
        var vocabPath = o.Vocab ?? (o.Init != null && File.Exists(Path.Combine(o.Init, ModelDirectory.VocabFile))
            ? Path.Combine(o.Init, ModelDirectory.VocabFile) : null);
        var vocab = vocabPath == null ? null : Vocabulary.Load(vocabPath);
        if (vocab == null && (o.Corpus.Count > 0 || o.Config is { } c && BertConfig.PresetNames.Contains(c)))
            throw new UsageException(o.Corpus.Count > 0 ? "--vocab is required to tokenize the corpus" : $"--config {o.Config} needs --vocab to size the vocabulary");

        var latest = PretrainingCheckpoint.Latest(o.Output);
        if (latest != null && !o.Resume)
            throw new InvalidOperationException($"{o.Output} already holds {Path.GetFileName(latest)}; pass --resume to continue that run or choose another --output");

        using var model = CreateModel(o, vocab);
        if (vocab != null && vocab.Count > model.Config.VocabSize)
            throw new InvalidFileException(vocabPath!, null, $"has {vocab.Count} tokens but the model's vocab_size is {model.Config.VocabSize}");
        if (o.Corpus.Count > 0 && o.Seq > model.Config.MaxPositionEmbeddings)
            throw new UsageException($"--seq {o.Seq} exceeds the model's max_position_embeddings {model.Config.MaxPositionEmbeddings}");
        var train = CreateSource(o, vocabPath, model.Config.VocabSize, heldOut: false)!;
        var eval = CreateSource(o, vocabPath, model.Config.VocabSize, heldOut: true);
        using var ownedTrain = train as IDisposable;
        using var ownedEval = eval as IDisposable;
        var evalStart = eval?.Position;
        var options = new PretrainerOptions
        {
            MaxSteps = o.MaxSteps, OutputDirectory = o.Output, LearningRate = o.Lr, WarmupSteps = o.Warmup, Schedule = o.Schedule,
            WeightDecay = o.WeightDecay, MaxGradNorm = o.MaxGradNorm, GradientAccumulationSteps = o.GradAccum,
            RelationHead = Relation(o), EvalEvery = o.EvalEvery, EvalBatches = o.EvalBatches, SaveEvery = o.SaveEvery,
            KeepCheckpoints = o.Keep, Seed = o.Seed, TimeBudget = o.MaxMinutes > 0 ? TimeSpan.FromMinutes(o.MaxMinutes) : null,
        };
        using var distillation = o.Teacher == null ? null : MlmDistillation.Load(o.Teacher, o.DistillAlpha, o.Temperature);
        if (distillation != null)
            Console.WriteLine($"--teacher {o.Teacher}: {distillation.Teacher.ParameterCount:N0} parameters; alpha {o.DistillAlpha}, temperature {o.Temperature}");
        using var electra = o.Objective != "electra" ? null : new ElectraObjective(model,
            o.GeneratorLayers ?? ElectraObjective.DefaultGeneratorLayers(model.Config),
            o.GeneratorIntermediate ?? ElectraObjective.DefaultGeneratorIntermediate(model.Config), o.RtdWeight, o.Seed);
        if (electra != null)
            Console.WriteLine($"--objective electra: generator of {electra.Generator.Config.NumHiddenLayers} layers, intermediate size " +
                $"{electra.Generator.Config.IntermediateSize} ({electra.TrainableParameters.Sum(p => p.Value.Count):N0} parameters with the head); " +
                $"rtd weight {o.RtdWeight}");
        using var trainer = new Pretrainer(backend, model, options, train, eval, vocabPath, (IPretrainingObjective?)distillation ?? electra);
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
        RunPlots.Write(o.Output);
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

    private static BertForPreTraining CreateModel(Options o, Vocabulary? vocab)
    {
        bool relation = Relation(o), mlmHead = o.Objective != "electra";
        if (o.Init != null)
        {
            var (model, report) = PretrainingModel.FromCheckpoint(o.Init, relation, o.Seed, mlmHead);
            Console.WriteLine($"--init {o.Init}: {report}");
            return model;
        }
        var config = BertConfig.PresetNames.Contains(o.Config!)
            ? BertConfig.Preset(o.Config!) with { VocabSize = vocab!.Count, PadTokenId = vocab.PadId, Architectures = ["BertForPreTraining"] }
            : BertConfig.Load(o.Config!);
        return PretrainingModel.New(config, relation, o.Seed, mlmHead);
    }

    /// <summary>Whether the run trains a sentence-relation (NSP/SOP) head.</summary>
    private static bool Relation(Options o) => o.Objective is "mlm+nsp" or "mlm+sop";

    /// <summary>The training source, or the held-out one (null when no held-out data was given).</summary>
    private static IPretrainingBatchSource? CreateSource(Options o, string? vocabPath, int vocabSize, bool heldOut)
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
        if (files.Count == 0) return null;
        var data = new PretrainingDataOptions
        {
            MaxSequenceLength = o.Seq, BatchSize = o.Batch, Objective = PretrainingDataOptions.ParseObjective(Relation(o) ? o.Objective : "mlm"),
            Masking = PretrainingDataOptions.ParseMasking(o.Mask), MaskProbability = o.MaskProb, ImportanceFile = o.Importance,
            Seed = (ulong)(heldOut ? o.Seed + 1 : o.Seed),
        };
        data.Validate();
        var printer = new ProgressPrinter(heldOut ? "pretrain (--eval-corpus)" : "pretrain (--corpus)");
        var source = PretrainingBatchSource.Open(files, vocabPath!, lowercase: !o.Cased, Path.Combine(o.Output, "cache"), data, heldOut, printer);
        printer.EndBar();
        return source;
    }

    private sealed record Options(
        IReadOnlyList<string> Corpus, string? Batches, IReadOnlyList<string> EvalCorpus, string? Vocab, string? Config, string? Init,
        string Output, int MaxSteps, int Batch, int Seq, float Lr, int Warmup, string Schedule, float WeightDecay, float MaxGradNorm,
        int GradAccum, string Mask, float MaskProb, string Objective, bool Cased, int EvalEvery, int EvalBatches, int SaveEvery,
        int Keep, int LogEvery, bool Resume, int Seed, string Device, string? Importance, float MaxMinutes,
        string? Teacher, float DistillAlpha, float Temperature, int? GeneratorLayers, int? GeneratorIntermediate, float RtdWeight);

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
            Mask: parse.GetValue(_mask)!, MaskProb: parse.GetValue(_maskProb), Objective: parse.GetValue(_objective)!, Cased: parse.GetValue(_cased),
            EvalEvery: parse.GetValue(_evalEvery) ?? saveEvery, EvalBatches: parse.GetValue(_evalBatches), SaveEvery: saveEvery,
            Keep: parse.GetValue(_keep), LogEvery: parse.GetValue(_logEvery), Resume: parse.GetValue(_resume), Seed: parse.GetValue(_seed),
            Device: parse.GetValue(_device)!, Importance: parse.GetValue(_importance), MaxMinutes: parse.GetValue(_maxMinutes),
            Teacher: parse.GetValue(_teacher), DistillAlpha: parse.GetValue(_distillAlpha), Temperature: parse.GetValue(_temperature),
            GeneratorLayers: parse.GetValue(_generatorLayers), GeneratorIntermediate: parse.GetValue(_generatorIntermediate), RtdWeight: parse.GetValue(_rtdWeight));

        if ((corpus.Count > 0) == (batches != null)) throw new UsageException("give exactly one of --corpus FILE... and --batches FILE");
        if ((config != null) == (init != null)) throw new UsageException("give exactly one of --config and --init");
        if (maxSteps < 1) throw new UsageException("--max-steps N (at least 1) is required");
        if (o.Batch < 1 || o.Seq < 8) throw new UsageException("--batch must be at least 1 and --seq at least 8");
        if (o.MaskProb is <= 0 or >= 1) throw new UsageException("--mask-prob must be between 0 and 1");
        if (o.Warmup < 0 || o.GradAccum < 1 || o.SaveEvery < 0 || o.EvalEvery < 0 || o.EvalBatches < 1 || o.Keep < 1 || o.LogEvery < 1)
            throw new UsageException("--warmup, --save-every and --eval-every must not be negative; --grad-accum, --eval-batches, --keep and --log-every must be at least 1");
        if (o.Lr <= 0) throw new UsageException("--lr must be positive");
        if (o.Objective == "electra" && o.Teacher != null) throw new UsageException("--objective electra does not take a --teacher");
        if (o.GeneratorLayers < 1 || o.GeneratorIntermediate < 1 || !(o.RtdWeight > 0))
            throw new UsageException("--generator-layers and --generator-intermediate must be at least 1 and --rtd-weight positive");
        if (o.DistillAlpha is not (>= 0 and <= 1) || !(o.Temperature > 0)) throw new UsageException("--distill-alpha must be in [0, 1] and --temperature positive");
        return o;
    }
}
