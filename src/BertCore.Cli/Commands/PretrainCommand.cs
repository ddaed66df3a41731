using System.Globalization;
using BertCore.Cli.Plots;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Data;
using BertCore.IO;
using BertCore.Nn.Heads;
using BertCore.Text;
using BertCore.Training;
using BertCore.Training.Distillation;

namespace BertCore.Cli.Commands;

/// <summary>
/// <c>bertcore pretrain</c>: masked-LM pretraining from scratch or from a checkpoint (<c>--init</c>), with
/// checkpoints and exact <c>--resume</c>; a thin layer over <see cref="Pretrainer"/>.
/// </summary>
public sealed class PretrainCommand : ICommand
{
    public string Name => "pretrain";
    public string Summary => "masked-LM pretraining (from scratch or --init DIR), with checkpoints and exact --resume";
    public string Help => """
        Usage: bertcore pretrain --corpus FILE... --vocab vocab.txt (--config NAME|config.json | --init DIR)
                                 --output DIR --max-steps N [options]

        Input (one of):
          --corpus FILE...        plain text (a sentence or paragraph per line, blank line between documents)
                                  or JSONL with a "text" field
          --batches FILE          a pre-masked batch stream (safetensors: input_ids, token_type_ids,
                                  attention_mask, mlm_labels [N, B, S], optional nsp_labels [N, B]; see
                                  tools/reference/README.md) read in order and repeated; --batch, --seq, --mask,
                                  --mask-prob and --cased do not apply. This is the PyTorch-parity path.
          --eval-corpus FILE...   held-out data (a pre-masked stream file when --batches is used); enables
                                  evaluation of MLM accuracy and perplexity
        Model (one of):
          --config NAME|PATH      a fresh model: tiny, mini, small, base (vocabulary size from --vocab) or a config.json
          --init DIR              continue pretraining a Hugging Face model folder (heads it lacks start fresh)
          --vocab PATH            WordPiece vocabulary; copied into every saved model (default with --init: DIR/vocab.txt)
          --cased                 keep case and accents when tokenizing the corpus
        Data:
          --batch B               sequences per micro-batch (default 32)
          --seq S                 sequence length in tokens (default 128)
          --mask KIND             token (default), whole-word or span
          --max-minutes M         wall-clock budget: the step that ends past M minutes is the last one (evaluated and
                                  saved); the schedule still spans --max-steps
          --mask-prob P           fraction of tokens to mask (default 0.15)
          --importance FILE       selective masking: TSV token<TAB>weight; tokens are masked with probability
                                  proportional to weight (0 = never), unlisted tokens weigh 1 (not with --mask span)
          --objective OBJ         mlm (default), mlm+nsp or mlm+sop
        Distillation (optional):
          --teacher DIR           a pretrained model folder with an MLM head over the same vocabulary: the MLM loss
                                  becomes A * T^2 * KL(softmax(teacher/T) || softmax(student/T)) + (1 - A) * CE over the
                                  masked positions (the teacher runs online on each batch, dropout off)
          --distill-alpha A       weight of the soft targets (default 0.5)
          --temperature T         softmax temperature (default 2)
        Optimization (AdamW, betas 0.9/0.999, eps 1e-6 as BERT; no decay on biases and LayerNorm):
          --max-steps N           optimizer steps (required)
          --lr LR                 peak learning rate (default 1e-4)
          --warmup N              linear warmup steps (default max-steps / 100), then --schedule
          --schedule NAME         linear (default, decays to 0 at max-steps), cosine, constant or stlr
          --weight-decay W        default 0.01
          --max-grad-norm N       global gradient-norm clip (default 1.0; 0 turns clipping off)
          --grad-accum K          micro-batches per optimizer step (default 1)
          --seed N                model initialization, dropout and data order (default 1)
          --device cpu|cuda       cpu (default); cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`)
                                  (simulator: the GPU kernels on the CPU, very slow, for tests)
        Output:
          --output DIR            checkpoints (DIR/checkpoint-N), metrics.csv, loss.png and, at the end, the final
                                  model in Hugging Face layout (config.json, model.safetensors, vocab.txt)
          --save-every N          checkpoint every N steps (default 1000) and after the last
          --keep N                checkpoints to keep (default 2)
          --eval-every N          evaluate every N steps (default --save-every) and after the last
          --eval-batches N        held-out batches per evaluation (default 20)
          --log-every N           a log line every N steps when the output is not a terminal (default 50)
          --resume                continue from the newest checkpoint in DIR (the same options are required);
                                  the result is bitwise the same as an uninterrupted run
        Ctrl+C stops after the current step and writes a checkpoint.
        """;

    public int Run(Arguments args)
    {
        var o = Parse(args);
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
            RelationHead = o.Objective != "mlm", EvalEvery = o.EvalEvery, EvalBatches = o.EvalBatches, SaveEvery = o.SaveEvery,
            KeepCheckpoints = o.Keep, Seed = o.Seed, TimeBudget = o.MaxMinutes > 0 ? TimeSpan.FromMinutes(o.MaxMinutes) : null,
        };
        using var distillation = o.Teacher == null ? null : MlmDistillation.Load(o.Teacher, o.DistillAlpha, o.Temperature);
        if (distillation != null)
            Console.WriteLine($"--teacher {o.Teacher}: {distillation.Teacher.ParameterCount:N0} parameters; alpha {o.DistillAlpha}, temperature {o.Temperature}");
        using var trainer = new Pretrainer(backend, model, options, train, eval, vocabPath, distillation);
        if (o.Resume && latest != null)
        {
            trainer.Resume(latest);
            Console.WriteLine($"resumed from {latest} at step {trainer.Step}");
        }
        else if (o.Resume) Console.WriteLine($"no checkpoint in {o.Output}: starting at step 0");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        var printer = new PretrainProgressPrinter(o.LogEvery);
        trainer.StepCompleted += printer.Print;
        PretrainingResult result;
        try
        {
            result = trainer.Run(cancel.Token);
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
        if (train is PretrainingBatchSource corpus && eval is PretrainingBatchSource heldOut && result.LastEvaluation is { } final)
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
        bool relation = o.Objective != "mlm";
        if (o.Init != null)
        {
            var (model, report) = PretrainingModel.FromCheckpoint(o.Init, relation, o.Seed);
            Console.WriteLine($"--init {o.Init}: {report}");
            return model;
        }
        var config = BertConfig.PresetNames.Contains(o.Config!)
            ? BertConfig.Preset(o.Config!) with { VocabSize = vocab!.Count, PadTokenId = vocab.PadId, Architectures = ["BertForPreTraining"] }
            : BertConfig.Load(o.Config!);
        return PretrainingModel.New(config, relation, o.Seed);
    }

    /// <summary>The training source, or the held-out one (null when no held-out data was given).</summary>
    private static IPretrainingBatchSource? CreateSource(Options o, string? vocabPath, int vocabSize, bool heldOut)
    {
        if (o.Batches != null)
        {
            if (heldOut && o.EvalCorpus.Count > 1) throw new UsageException("with --batches, --eval-corpus takes one pre-masked stream file");
            var path = heldOut ? o.EvalCorpus.FirstOrDefault() : o.Batches;
            if (path == null) return null;
            var file = PreMaskedBatchFile.Open(path, vocabSize);
            if (o.Objective != "mlm" && !file.HasRelationLabels)
                throw new InvalidFileException(path, null, $"has no nsp_labels, which --objective {o.Objective} trains on");
            return file;
        }
        var files = heldOut ? o.EvalCorpus : o.Corpus;
        if (files.Count == 0) return null;
        var data = new PretrainingDataOptions
        {
            MaxSequenceLength = o.Seq, BatchSize = o.Batch, Objective = PretrainingDataOptions.ParseObjective(o.Objective),
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
        string? Teacher, float DistillAlpha, float Temperature);

    private static Options Parse(Arguments args)
    {
        var corpus = args.Many("corpus");
        var batches = args.Optional("batches");
        var evalCorpus = args.Many("eval-corpus");
        var vocab = args.Optional("vocab");
        var config = args.Optional("config");
        var init = args.Optional("init");
        var output = args.Required("output");
        int maxSteps = args.Int("max-steps", 0);
        int saveEvery = args.Int("save-every", 1000);
        var o = new Options(corpus, batches, evalCorpus, vocab, config, init, output, maxSteps,
            args.Int("batch", 32), args.Int("seq", 128), args.Float("lr", 1e-4f), args.Int("warmup", maxSteps / 100),
            args.Optional("schedule") ?? "linear", args.Float("weight-decay", 0.01f), args.Float("max-grad-norm", 1f),
            args.Int("grad-accum", 1), args.Optional("mask") ?? "token", args.Float("mask-prob", 0.15f),
            args.Optional("objective") ?? "mlm", args.Flag("cased"), args.Int("eval-every", saveEvery), args.Int("eval-batches", 20),
            saveEvery, args.Int("keep", 2), args.Int("log-every", 50), args.Flag("resume"), args.Int("seed", 1),
            args.Optional("device") ?? "cpu", args.Optional("importance"), args.Float("max-minutes", 0f),
            args.Optional("teacher"), args.Float("distill-alpha", 0.5f), args.Float("temperature", 2f));
        args.RejectUnknown();

        if ((corpus.Count > 0) == (batches != null)) throw new UsageException("give exactly one of --corpus FILE... and --batches FILE");
        if ((config != null) == (init != null)) throw new UsageException("give exactly one of --config and --init");
        if (maxSteps < 1) throw new UsageException("--max-steps N (at least 1) is required");
        if (o.Batch < 1 || o.Seq < 8) throw new UsageException("--batch must be at least 1 and --seq at least 8");
        if (o.Mask is not ("token" or "whole-word" or "span")) throw new UsageException($"--mask must be token, whole-word or span, not '{o.Mask}'");
        if (o.MaskProb is <= 0 or >= 1) throw new UsageException("--mask-prob must be between 0 and 1");
        if (o.Objective is not ("mlm" or "mlm+nsp" or "mlm+sop")) throw new UsageException($"--objective must be mlm, mlm+nsp or mlm+sop, not '{o.Objective}'");
        if (o.Warmup < 0 || o.GradAccum < 1 || o.SaveEvery < 0 || o.EvalEvery < 0 || o.EvalBatches < 1 || o.Keep < 1 || o.LogEvery < 1)
            throw new UsageException("--warmup, --save-every and --eval-every must not be negative; --grad-accum, --eval-batches, --keep and --log-every must be at least 1");
        if (o.Lr <= 0) throw new UsageException("--lr must be positive");
        if (o.DistillAlpha is not (>= 0 and <= 1) || !(o.Temperature > 0)) throw new UsageException("--distill-alpha must be in [0, 1] and --temperature positive");
        return o;
    }
}
