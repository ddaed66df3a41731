using System.Globalization;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore finetune</c>: fine-tunes a model on one task; a thin layer over <see cref="FineTuningJob"/>.</summary>
public sealed class FinetuneCommand : ICommand
{
    public string Name => "finetune";
    public string Summary => "fine-tune on classify | pair | regress | ner | qa data; keeps the best dev checkpoint";
    public string Help => Usage.Replace("{{TECHNIQUES}}", FinetuneTechniques.Help + "\n" + MultitaskFinetune.Help, StringComparison.Ordinal);

    private const string Usage = """
        Usage: bertcore finetune --task TASK --train FILE --dev FILE (--model DIR | --config NAME|config.json --vocab vocab.txt)
                                 --output DIR [options]

        Task and data:
          --task TASK             classify  single sentences (TSV/CSV with a header, or JSONL; SST-2: sentence<TAB>label)
                                  pair      sentence pairs (RTE index/sentence1/sentence2/label, MRPC, JSONL text/text_pair)
                                  regress   a score for a text or pair (STS-B: sentence1/sentence2/score)
                                  ner       CoNLL token<TAB>tag, blank line between sentences (IOB1 becomes IOB2)
                                  qa        SQuAD v1.1 JSON
          --train FILE            labelled training data
          --dev FILE              labelled dev data: evaluated each epoch, picks the best checkpoint
          --max-train N           train on the first N examples only (default: all)
          --max-dev N             evaluate on the first N dev examples only (default: all)
        Model (one of):
          --model DIR             a BertCore or Hugging Face model folder: the encoder is loaded, the task head is new
                                  (unless DIR is a model of the same task and labels)
          --config NAME|PATH      random initialization: tiny, mini, small, base (vocab size from --vocab) or a config.json
          --vocab PATH            WordPiece vocabulary (default DIR/vocab.txt; required with --config)
          --cased                 keep case and accents (default: DIR/tokenizer_config.json's do_lower_case, else uncased)
        Optimization (AdamW, betas 0.9/0.999, eps 1e-8; no weight decay on biases and LayerNorm):
          --epochs N              passes over the training data (default 3)
          --max-steps N           exactly N optimizer steps instead of --epochs
          --batch B               examples per micro-batch (default 32); batches group examples of similar length
          --grad-accum K          micro-batches per optimizer step (default 1)
          --lr LR                 peak learning rate (default 5e-5)
          --warmup-ratio F        fraction of the steps of linear warmup, then linear decay to 0 (default 0.1)
          --weight-decay W        default 0.01
          --max-grad-norm N       global gradient-norm clip (default 1.0; 0 turns it off)
          --max-seq S             longest input in tokens (default 128, qa 384, at most the model's positions)
          --doc-stride N          qa: context tokens shared by consecutive windows (default max-seq / 3)
          --max-query N           qa: question tokens kept (default min(64, max-seq / 4))
          --max-answer N          qa: longest answer in tokens (default 30)
          --seed N                batch order, dropout and the new head's initialization (default 42)
          --device cpu|cuda       cpu (default); cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`)
                                  (simulator: the GPU kernels on the CPU, very slow, for tests)
        {{TECHNIQUES}}
        Representation and parameter-efficient training (classify, pair, regress unless noted):
          --pooling P             sentence vector for the classifier: cls (pooler on [CLS], the default), mean or max
                                  (last layer, padding excluded), concat-last-K ([CLS] of the last K hidden states,
                                  K·hidden wide), scalar-mix (learned softmax-weighted mix of every hidden state at [CLS])
          --features FILE         external feature vectors appended to the representation: rows "LINE v1 v2 ...",
                                  LINE = the data line where the example starts (# comments allowed)
          --dev-features FILE     the same for the dev data (required with --features and --dev)
          --freeze-encoder        freeze the encoder; its features are computed once, cached, and only the head trains
          --feature-cache DIR     where that cache lives (default OUTPUT/feature-cache); the file name is a hash of
                                  the model's encoder weights, the tokenized data and the pooling
          --adapters SIZE         every task: Houlsby adapters of bottleneck SIZE in each layer; only adapters,
                                  LayerNorms, pooler and head train; OUTPUT saves only them (adapters.safetensors)
                                  and names --model as the base they load onto
        Evaluation and output:
          --output DIR            the best model in Hugging Face layout (config.json with id2label, model.safetensors,
                                  vocab.txt, tokenizer_config.json, bertcore_task.json), checkpoint-N folders,
                                  metrics.csv, loss.png, dev.png, results.json
          --eval-every N          evaluate every N steps (default 0: after each epoch) and after the last
          --eval-batch B          examples per forward pass when evaluating (default 64)
          --patience N            stop after N evaluations without a better dev score (default 0: never)
          --keep K                checkpoints kept besides the best one (default 1); the newest always stays
          --save-every N          also a checkpoint every N steps (default 0: only at evaluations); every
                                  checkpoint holds the trainer state (weights, AdamW moments, step, RNG, evaluations)
          --resume                continue from the newest checkpoint in --output (the same options and data are
                                  required); the result is bitwise the same as an uninterrupted run
          --log-every N           a log line every N steps when the output is not a terminal (default 10)
        Ctrl+C stops after the current step and writes a checkpoint; the best model so far is saved.
        """;

    public int Run(Arguments args)
    {
        if (args.Optional("multitask") is { } multitask) return MultitaskFinetune.Run(args, multitask);
        var techniques = FinetuneTechniques.Parse(args);
        var o = Parse(args);
        var backend = Devices.Create(o.Device);
        var latest = FineTuningCheckpoints.Latest(o.Output);
        if (!o.Resume && (FineTuningCheckpoints.List(o.Output).Count > 0 || File.Exists(Path.Combine(o.Output, FineTuner.ResultsFile))))
            throw new InvalidOperationException($"{o.Output} already holds a fine-tuning run; pass --resume to continue it or choose another --output");
        var setup = new FineTuningSetup
        {
            Task = o.Task, TrainFile = o.Train, DevFile = o.Dev, ModelDirectory = o.Model, Config = o.Config == null ? null : Config(o.Config, o.Vocab!),
            VocabPath = o.Vocab, Lowercase = o.Cased ? false : null, MaxSequenceLength = o.MaxSeq, DocStride = o.DocStride,
            MaxQueryLength = o.MaxQuery, MaxAnswerLength = o.MaxAnswer, MaxTrainExamples = o.MaxTrain, MaxDevExamples = o.MaxDev,
            Pooling = o.Pooling, FeaturesFile = o.Features, DevFeaturesFile = o.DevFeatures, FreezeEncoder = o.FreezeEncoder,
            FeatureCacheDirectory = o.FeatureCache, AdapterSize = o.Adapters,
        };
        setup = techniques.Apply(setup);
        var options = new FineTunerOptions
        {
            OutputDirectory = o.Output, Epochs = o.Epochs, MaxSteps = o.MaxSteps, BatchSize = o.Batch, GradientAccumulationSteps = o.GradAccum,
            LearningRate = o.Lr, WarmupRatio = o.WarmupRatio, WeightDecay = o.WeightDecay, MaxGradNorm = o.MaxGradNorm, EvalEvery = o.EvalEvery,
            EvalBatchSize = o.EvalBatch, Patience = o.Patience, KeepCheckpoints = o.Keep, SaveEvery = o.SaveEvery, Seed = o.Seed,
        };
        options = techniques.Apply(options);
        var preparing = new ProgressPrinter("bertcore finetune");
        using var job = FineTuningJob.Prepare(backend, setup, options, preparing, new TaptProgress(o.LogEvery));
        preparing.EndBar();
        var tuner = job.Tuner;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{o.Task.Name()}: {tuner.Train.File.Count} training examples ({tuner.Train.Count} features), " +
            $"{tuner.Dev?.File.Count ?? 0} dev examples; {tuner.TotalSteps} steps ({tuner.StepsPerEpoch} per epoch), {tuner.WarmupSteps} warmup"));
        Console.WriteLine(o.Model != null
            ? $"--model {o.Model}: {job.Loaded}"
            : $"random initialization from --config {o.Config} ({job.Network.Model.ParameterCount:N0} parameters)");
        if (job.Tapt != null) Console.WriteLine(job.Tapt);
        if (o.Pooling != null || o.Adapters > 0 || o.FreezeEncoder || o.Features != null)
        {
            long trainable = job.Network.Model.Parameters().Where(p => p.Trainable).Sum(p => p.Value.Count);
            Console.WriteLine($"pooling {job.Network.Spec.Pooling?.ToString() ?? "cls"}, {job.Network.Spec.ExternalFeatures} external features, " +
                $"adapters {o.Adapters}; {trainable:N0} of {job.Network.Model.ParameterCount:N0} parameters train" +
                (job.Network is PooledSequenceNetwork { Cache: { } cache } ? $"; encoder features {(cache.FromCache ? "read from" : "cached in")} {cache.Path}" : ""));
        }

        if (o.Resume && latest != null)
        {
            tuner.Resume(latest);
            Console.WriteLine($"resumed from {latest} at step {tuner.Step}");
        }
        else if (o.Resume) Console.WriteLine($"no checkpoint in {o.Output}: starting at step 0");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        var printer = new FinetuneProgressPrinter(o.LogEvery);
        tuner.StepCompleted += printer.Print;
        FineTuningResult result;
        try
        {
            result = job.Run(cancel.Token);
        }
        finally
        {
            printer.Finish();
        }
        RunPlots.Write(o.Output);
        var best = result.Best is { } b ? string.Create(CultureInfo.InvariantCulture, $"best dev at step {b.Step}: {b.Scores}") : "no dev evaluation";
        Console.WriteLine($"{(result.Completed ? "done" : "stopped")} after {result.Steps} steps; {best}; model saved to {o.Output}");
        return result.Completed ? 0 : 130;
    }

    private static Pooling? ParsePooling(string? name)
    {
        try
        {
            return name == null ? null : Pooling.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--pooling: " + e.Message);
        }
    }

    /// <summary>A preset sized to the vocabulary, or a config.json.</summary>
    internal static BertConfig Config(string nameOrPath, string vocabPath)
    {
        if (!BertConfig.PresetNames.Contains(nameOrPath)) return BertConfig.Load(nameOrPath);
        var vocabulary = Vocabulary.Load(vocabPath);
        return BertConfig.Preset(nameOrPath) with { VocabSize = vocabulary.Count, PadTokenId = vocabulary.PadId };
    }

    private sealed record Options(
        TaskKind Task, string Train, string Dev, string? Model, string? Config, string? Vocab, bool Cased, string Output,
        int Epochs, int MaxSteps, int Batch, int GradAccum, float Lr, float WarmupRatio, float WeightDecay, float MaxGradNorm,
        int? MaxSeq, int? DocStride, int? MaxQuery, int? MaxAnswer, int Seed, string Device, int EvalEvery, int EvalBatch,
        int Patience, int Keep, int SaveEvery, bool Resume, int LogEvery, int? MaxTrain, int? MaxDev,
        Pooling? Pooling, string? Features, string? DevFeatures, bool FreezeEncoder, string? FeatureCache, int Adapters);

    private static Options Parse(Arguments args)
    {
        string taskName = args.Required("task");
        TaskKind task;
        try
        {
            task = TaskKinds.Parse(taskName);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        int? Maybe(string name) => args.Optional(name) is null ? null : args.Int(name, 0);
        var o = new Options(task, args.Required("train"), args.Required("dev"), args.Optional("model"), args.Optional("config"),
            args.Optional("vocab"), args.Flag("cased"), args.Required("output"), args.Int("epochs", 3), args.Int("max-steps", 0),
            args.Int("batch", 32), args.Int("grad-accum", 1), args.Float("lr", 5e-5f), args.Float("warmup-ratio", 0.1f),
            args.Float("weight-decay", 0.01f), args.Float("max-grad-norm", 1f), Maybe("max-seq"), Maybe("doc-stride"), Maybe("max-query"),
            Maybe("max-answer"), args.Int("seed", 42), args.Optional("device") ?? "cpu", args.Int("eval-every", 0), args.Int("eval-batch", 64),
            args.Int("patience", 0), args.Int("keep", 1), args.Int("save-every", 0), args.Flag("resume"), args.Int("log-every", 10), Maybe("max-train"), Maybe("max-dev"),
            ParsePooling(args.Optional("pooling")), args.Optional("features"), args.Optional("dev-features"), args.Flag("freeze-encoder"),
            args.Optional("feature-cache"), args.Int("adapters", 0));
        args.RejectUnknown();
        if (o.Adapters < 0) throw new UsageException("--adapters must be at least 1");
        if (o.Adapters > 0 && o.FreezeEncoder) throw new UsageException("--adapters and --freeze-encoder exclude each other");
        if (o.Adapters > 0 && o.Model == null) throw new UsageException("--adapters needs --model (the base the adapters load onto)");
        if (o.FeatureCache != null && !o.FreezeEncoder) throw new UsageException("--feature-cache needs --freeze-encoder");
        if (o.DevFeatures != null && o.Features == null) throw new UsageException("--dev-features needs --features");
        if (o.Features != null && o.DevFeatures == null) throw new UsageException("--features needs --dev-features for the --dev data");
        bool sequence = task is TaskKind.Classify or TaskKind.Pair or TaskKind.Regress;
        if (!sequence && (o.Pooling != null || o.Features != null || o.FreezeEncoder))
            throw new UsageException("--pooling, --features and --freeze-encoder apply to classify, pair and regress");
        if ((o.Model != null) == (o.Config != null)) throw new UsageException("give exactly one of --model DIR and --config NAME|PATH");
        if (o.Config != null && o.Vocab == null) throw new UsageException("--config needs --vocab");
        if (o.Epochs < 1 || o.MaxSteps < 0 || o.Batch < 1 || o.GradAccum < 1 || o.EvalBatch < 1 || o.LogEvery < 1)
            throw new UsageException("--epochs, --batch, --grad-accum, --eval-batch and --log-every must be at least 1; --max-steps not negative");
        if (o.Lr <= 0 || o.WarmupRatio is < 0 or > 1 || o.WeightDecay < 0 || o.MaxGradNorm < 0)
            throw new UsageException("--lr must be positive, --warmup-ratio in [0, 1], --weight-decay and --max-grad-norm not negative");
        if (o.EvalEvery < 0 || o.Patience < 0 || o.Keep < 0 || o.SaveEvery < 0)
            throw new UsageException("--eval-every, --patience, --keep and --save-every must not be negative");
        if (o.MaxTrain is < 1 || o.MaxDev is < 1) throw new UsageException("--max-train and --max-dev must be at least 1");
        if (o.MaxSeq is < 8 || o.DocStride is < 0 || o.MaxQuery is < 1 || o.MaxAnswer is < 1)
            throw new UsageException("--max-seq must be at least 8, --doc-stride not negative, --max-query and --max-answer at least 1");
        return o;
    }
}
