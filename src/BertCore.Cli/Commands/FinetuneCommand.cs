using System.CommandLine;
using System.Globalization;
using BertCore.Checkpoints;
using BertCore.Distributed;
using BertCore.Embeddings;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using BertCore.Training.FineTuning.Similarity;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore finetune</c>: fine-tunes a model on one task; a thin layer over <see cref="FineTuningJob"/>.</summary>
public sealed class FinetuneCommand : ICommand
{
    private readonly FineTuningOptionSet _common = new();
    private readonly FinetuneTechniques _techniques = new();
    private readonly Option<string> _task = CliOption.Text("--task",
        "classify: single sentences (TSV/CSV with a header, or JSONL; SST-2: sentence<TAB>label); pair: sentence pairs (RTE " +
        "index/sentence1/sentence2/label, MRPC, JSONL text/text_pair); regress: a score for a text or pair (STS-B: " +
        "sentence1/sentence2/score); ner: CoNLL token<TAB>tag, blank line between sentences (IOB1 becomes IOB2); qa: SQuAD v1.1 JSON; " +
        "similarity: a bi-encoder (sentence embeddings) on scored pairs (STS-B sentence1/sentence2/score) or pairs without scores " +
        "(TSV/CSV/JSONL anchor/positive[/negative]); OUTPUT is an embedding model (sentence-transformers' modules.json included)",
        valueName: "TASK");
    private readonly Option<string> _train = CliOption.Text("--train", "labelled training data", valueName: "FILE");
    private readonly Option<string> _dev = CliOption.Text("--dev", "labelled dev data: evaluated each epoch, picks the best checkpoint", valueName: "FILE");
    private readonly Option<string> _model = CliOption.Text("--model",
        "a BertCore or Hugging Face model folder: the encoder is loaded, the task head is new (unless DIR is a model of the same " +
        "task and labels)", valueName: "DIR");
    private readonly Option<string> _config = CliOption.Text("--config",
        "random initialization: tiny, mini, small, base (vocab size from --vocab) or a config.json", valueName: "NAME|PATH");
    private readonly Option<string> _vocab = CliOption.Text("--vocab", "WordPiece vocabulary (default DIR/vocab.txt; required with --config)", valueName: "PATH");
    private readonly Option<bool> _cased = CliOption.Flag("--cased",
        "keep case and accents (default: DIR/tokenizer_config.json's do_lower_case, else uncased)");
    private readonly Option<int?> _maxSeq = CliOption.MaybeInt("--max-seq", "longest input in tokens (default 128, qa 384, at most the model's positions)", "S");
    private readonly Option<int?> _docStride = CliOption.MaybeInt("--doc-stride", "qa: context tokens shared by consecutive windows (default max-seq / 3)");
    private readonly Option<int?> _maxQuery = CliOption.MaybeInt("--max-query", "qa: question tokens kept (default min(64, max-seq / 4))");
    private readonly Option<int?> _maxAnswer = CliOption.MaybeInt("--max-answer", "qa: longest answer in tokens (default 30)");
    private readonly Option<int> _saveEvery = CliOption.Int("--save-every", 0,
        "also a checkpoint every N steps (0: only at evaluations); every checkpoint holds the trainer state (weights, AdamW " +
        "moments, step, RNG, evaluations)");
    private readonly Option<bool> _resume = CliOption.Flag("--resume",
        "continue from the newest checkpoint in --output (the same options and data are required); the result is bitwise the " +
        "same as an uninterrupted run");
    private readonly Option<string> _pooling = CliOption.Text("--pooling",
        "sentence vector for the classifier: cls (pooler on [CLS], the default), mean or max (last layer, padding excluded), " +
        "concat-last-K ([CLS] of the last K hidden states, K·hidden wide), scalar-mix (learned softmax-weighted mix of every " +
        "hidden state at [CLS]); similarity: mean (the default), cls (the last [CLS] state, no pooler) or max", valueName: "P");
    private readonly Option<string> _loss = CliOption.Text("--loss",
        "similarity: cosine (MSE of cos(u, v) against score / --max-score; default for scored pairs), cosent (CoSENT, scale 20) " +
        "or mnrl (multiple-negatives ranking over in-batch positives and hard negatives, scale 20; default without scores)", valueName: "L");
    private readonly Option<float?> _maxScore = CliOption.MaybeFloat("--max-score", "similarity: the score meaning \"the same\" (default 5, STS-B)");
    private readonly Option<string> _features = CliOption.Text("--features",
        "external feature vectors appended to the representation: rows \"LINE v1 v2 ...\", LINE = the data line where the " +
        "example starts (# comments allowed)", valueName: "FILE");
    private readonly Option<string> _devFeatures = CliOption.Text("--dev-features",
        "the same for the dev data (required with --features and --dev)", valueName: "FILE");
    private readonly Option<bool> _freezeEncoder = CliOption.Flag("--freeze-encoder",
        "freeze the encoder; its features are computed once, cached, and only the head trains");
    private readonly Option<string> _featureCache = CliOption.Text("--feature-cache",
        "where that cache lives (default OUTPUT/feature-cache); the file name is a hash of the model's encoder weights, the " +
        "tokenized data and the pooling", valueName: "DIR");
    private readonly Option<int> _adapters = CliOption.Int("--adapters", 0,
        "every task: Houlsby adapters of bottleneck SIZE in each layer; only adapters, LayerNorms, pooler and head train; OUTPUT " +
        "saves only them (adapters.safetensors) and names --model as the base they load onto", "SIZE");
    private readonly Option<string> _multitask = CliOption.Text("--multitask", MultitaskFinetune.Description, valueName: "SPEC");

    public string Summary => "fine-tune on classify | pair | regress | ner | qa | similarity data; keeps the best dev checkpoint";

    public string Notes => """
            Usage: bertcore finetune --task TASK --train FILE --dev FILE (--model DIR | --config NAME|config.json --vocab vocab.txt)
                                     --output DIR [options]
            Ctrl+C stops after the current step and writes a checkpoint; the best model so far is saved.
        """;

    public Command Create()
    {
        CliOption.Suggest(_task, "classify", "pair", "regress", "ner", "qa", "similarity");
        var command = new Command("finetune", Summary);
        foreach (var option in new Option[] { _task, _train, _dev, _model, _config, _vocab, _cased, _maxSeq, _docStride, _maxQuery, _maxAnswer }
            .Concat(_common.All).Concat([_saveEvery, _resume]).Concat(_techniques.All)
            .Concat([_pooling, _loss, _maxScore, _features, _devFeatures, _freezeEncoder, _featureCache, _adapters, _multitask]))
            command.Add(option);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse) => DataParallelCli.Run("finetune", world => Run(parse, world));

    private int Run(ParseResult parse, ICommunicator world)
    {
        if (parse.GetValue(_multitask) is { } multitask)
        {
            if (world.Size > 1) throw new UsageException("--multitask does not run data-parallel (mpirun): run it in one process");
            var unused = new Option[] { _task, _train, _dev };
            if (unused.Any(parse.Given)) throw new UsageException("--multitask replaces --task, --train and --dev");
            var other = new Option[] { _docStride, _maxQuery, _maxAnswer, _saveEvery, _resume, _pooling, _loss, _maxScore, _features, _devFeatures, _freezeEncoder,
                    _featureCache, _adapters, _common.MaxTrain, _common.MaxDev, _common.GradAccum, _common.Patience, _common.Keep }
                .Concat(_techniques.All.Where(o => o != _techniques.Schedule)).Where(parse.Given).Select(o => o.Name).ToArray();
            if (other.Length > 0) throw new UsageException($"--multitask does not take {string.Join(", ", other)}");
            return MultitaskFinetune.Run(multitask, _techniques.Apply(parse, _common.Read(parse)), parse.GetValue(_model), parse.GetValue(_config), parse.GetValue(_vocab),
                parse.GetValue(_cased), parse.GetValue(_maxSeq), parse.GetValue(_common.LogEvery), parse.GetValue(_common.Device)!);
        }
        Validate(parse);
        var task = ParseTask(CliOption.Require(parse, _task));
        string output = CliOption.Require(parse, _common.Output);
        string? model = parse.GetValue(_model), config = parse.GetValue(_config), vocab = parse.GetValue(_vocab), features = parse.GetValue(_features);
        bool resume = parse.GetValue(_resume), freezeEncoder = parse.GetValue(_freezeEncoder);
        bool similarity = task == TaskKind.Similarity;
        var pooling = similarity ? null : ParsePooling(parse.GetValue(_pooling));
        int adapters = parse.GetValue(_adapters), logEvery = parse.GetValue(_common.LogEvery);
        DataParallelCli.RequireShards(world, parse.GetValue(_common.GradAccum), "--grad-accum");
        var backend = DataParallelCli.Backend(world, parse.GetValue(_common.Device)!, parse.GetValue(_common.Threads));
        var latest = FineTuningCheckpoints.Latest(output);
        if (!resume && (FineTuningCheckpoints.List(output).Count > 0 || File.Exists(Path.Combine(output, FineTuner.ResultsFile))))
            throw new InvalidOperationException($"{output} already holds a fine-tuning run; pass --resume to continue it or choose another --output");
        var setup = _techniques.Apply(parse, new FineTuningSetup
        {
            Task = task, TrainFile = CliOption.Require(parse, _train), DevFile = CliOption.Require(parse, _dev), ModelDirectory = model,
            Config = config == null ? null : Config(config, vocab!), VocabPath = vocab, Lowercase = parse.GetValue(_cased) ? false : null,
            MaxSequenceLength = parse.GetValue(_maxSeq), DocStride = parse.GetValue(_docStride), MaxQueryLength = parse.GetValue(_maxQuery),
            MaxAnswerLength = parse.GetValue(_maxAnswer), MaxTrainExamples = parse.GetValue(_common.MaxTrain), MaxDevExamples = parse.GetValue(_common.MaxDev),
            Pooling = pooling, FeaturesFile = features, DevFeaturesFile = parse.GetValue(_devFeatures), FreezeEncoder = freezeEncoder,
            FeatureCacheDirectory = parse.GetValue(_featureCache), AdapterSize = adapters,
            SentencePooling = similarity ? ParseSentencePooling(parse.GetValue(_pooling)) : null,
            SimilarityLoss = ParseLoss(parse.GetValue(_loss)), MaxScore = parse.GetValue(_maxScore),
        });
        var options = _techniques.Apply(parse, _common.Read(parse) with { SaveEvery = parse.GetValue(_saveEvery) });
        var preparing = new ProgressPrinter("bertcore finetune");
        using var job = FineTuningJob.Prepare(backend, setup, options, preparing, new TaptProgress(logEvery), world);
        preparing.EndBar();
        var tuner = job.Tuner;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{task.Name()}: {tuner.Train.File.Count} training examples ({tuner.Train.Count} features), " +
            $"{tuner.Dev?.File.Count ?? 0} dev examples; {tuner.TotalSteps} steps ({tuner.StepsPerEpoch} per epoch), {tuner.WarmupSteps} warmup"));
        Console.WriteLine(model != null
            ? $"--model {model}: {job.Loaded}"
            : $"random initialization from --config {config} ({job.Network.Model.ParameterCount:N0} parameters)");
        if (job.Tapt != null) Console.WriteLine(job.Tapt);
        if (job.Network.Spec is { Embedding: { } embedding, Loss: { } loss })
            Console.WriteLine($"bi-encoder: pooling {EmbeddingPooling.Name(embedding.Mode)}{(embedding.Normalize ? ", normalized" : "")}, loss {loss.Name()}");
        if (pooling != null || adapters > 0 || freezeEncoder || features != null)
        {
            long trainable = job.Network.Model.Parameters().Where(p => p.Trainable).Sum(p => p.Value.Count);
            Console.WriteLine($"pooling {job.Network.Spec.Pooling?.ToString() ?? "cls"}, {job.Network.Spec.ExternalFeatures} external features, " +
                $"adapters {adapters}; {trainable:N0} of {job.Network.Model.ParameterCount:N0} parameters train" +
                (job.Network is PooledSequenceNetwork { Cache: { } cache } ? $"; encoder features {(cache.FromCache ? "read from" : "cached in")} {cache.Path}" : ""));
        }

        if (resume && latest != null)
        {
            tuner.Resume(latest);
            Console.WriteLine($"resumed from {latest} at step {tuner.Step}");
        }
        else if (resume) Console.WriteLine($"no checkpoint in {output}: starting at step 0");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        var display = TrainingDisplay.ForConsole();
        var printer = new FinetuneProgressPrinter(logEvery, display);
        tuner.StepCompleted += printer.Print;
        FineTuningResult result;
        try
        {
            result = display.Run(() => job.Run(cancel.Token));
        }
        finally
        {
            printer.Finish();
        }
        if (world.Rank == 0) RunPlots.Write(output);
        var best = result.Best is { } b ? string.Create(CultureInfo.InvariantCulture, $"best dev at step {b.Step}: {b.Scores}") : "no dev evaluation";
        Console.WriteLine($"{(result.Completed ? "done" : "stopped")} after {result.Steps} steps; {best}; model saved to {output}");
        return result.Completed ? 0 : 130;
    }

    internal static Pooling? ParsePooling(string? name)
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

    private static PoolingMode? ParseSentencePooling(string? name)
    {
        try
        {
            return name == null ? null : EmbeddingPooling.ParseMode(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--pooling: " + e.Message);
        }
    }

    private static SimilarityLoss? ParseLoss(string? name)
    {
        try
        {
            return name == null ? null : SimilarityLosses.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException("--loss: " + e.Message);
        }
    }

    /// <summary>A preset sized to the vocabulary, or a config.json.</summary>
    internal static BertConfig Config(string nameOrPath, string vocabPath)
    {
        if (!BertConfig.PresetNames.Contains(nameOrPath)) return BertConfig.Load(nameOrPath);
        var vocabulary = Vocabulary.Load(vocabPath);
        return BertConfig.Preset(nameOrPath) with { VocabSize = vocabulary.Count, PadTokenId = vocabulary.PadId };
    }

    private static TaskKind ParseTask(string name)
    {
        try
        {
            return TaskKinds.Parse(name);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
    }

    /// <summary>The checks across options (the shared ones, then those of this verb).</summary>
    private void Validate(ParseResult parse)
    {
        _common.Validate(parse);
        _techniques.Validate(parse);
        var task = ParseTask(CliOption.Require(parse, _task));
        CliOption.Require(parse, _train);
        CliOption.Require(parse, _dev);
        CliOption.Require(parse, _common.Output);
        int adapters = parse.GetValue(_adapters);
        bool freezeEncoder = parse.GetValue(_freezeEncoder), hasModel = parse.GetValue(_model) != null, hasConfig = parse.GetValue(_config) != null;
        string? features = parse.GetValue(_features), devFeatures = parse.GetValue(_devFeatures);
        if (adapters < 0) throw new UsageException("--adapters must be at least 1");
        if (adapters > 0 && freezeEncoder) throw new UsageException("--adapters and --freeze-encoder exclude each other");
        if (adapters > 0 && !hasModel) throw new UsageException("--adapters needs --model (the base the adapters load onto)");
        if (parse.GetValue(_featureCache) != null && !freezeEncoder) throw new UsageException("--feature-cache needs --freeze-encoder");
        if (devFeatures != null && features == null) throw new UsageException("--dev-features needs --features");
        if (features != null && devFeatures == null) throw new UsageException("--features needs --dev-features for the --dev data");
        bool sequence = task is TaskKind.Classify or TaskKind.Pair or TaskKind.Regress;
        bool similarity = task == TaskKind.Similarity;
        if (!sequence && ((parse.GetValue(_pooling) != null && !similarity) || features != null || freezeEncoder))
            throw new UsageException("--pooling, --features and --freeze-encoder apply to classify, pair and regress (and --pooling to similarity)");
        if (!similarity && (parse.Given(_loss) || parse.Given(_maxScore))) throw new UsageException("--loss and --max-score apply to similarity");
        if (parse.GetValue(_maxScore) is { } maxScore && !(maxScore > 0)) throw new UsageException("--max-score must be positive");
        if (hasModel == hasConfig) throw new UsageException("give exactly one of --model DIR and --config NAME|PATH");
        if (hasConfig && parse.GetValue(_vocab) == null) throw new UsageException("--config needs --vocab");
        if (parse.GetValue(_saveEvery) < 0) throw new UsageException("--save-every must not be negative");
        if (parse.GetValue(_maxSeq) is < 8 || parse.GetValue(_docStride) is < 0 || parse.GetValue(_maxQuery) is < 1 || parse.GetValue(_maxAnswer) is < 1)
            throw new UsageException("--max-seq must be at least 8, --doc-stride not negative, --max-query and --max-answer at least 1");
    }
}
