using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.Distributed;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training.FineTuning.Techniques;

namespace BertCore.Training.FineTuning;

/// <summary>What a fine-tuning run starts from and trains on (the inputs of <see cref="FineTuningJob.Prepare"/>).</summary>
public sealed record FineTuningSetup
{
    public required TaskKind Task { get; init; }

    /// <summary>Labelled training data in the task's format (<see cref="TaskFile.Read"/>).</summary>
    public required string TrainFile { get; init; }

    /// <summary>Labelled dev data for evaluation and model selection (optional).</summary>
    public string? DevFile { get; init; }

    /// <summary>Train on the first N examples of <see cref="TrainFile"/> only (null: all).</summary>
    public int? MaxTrainExamples { get; init; }

    /// <summary>Evaluate on the first N examples of <see cref="DevFile"/> only (null: all).</summary>
    public int? MaxDevExamples { get; init; }

    /// <summary>A BertCore or Hugging Face model folder to start from: its encoder is loaded, the task head is new
    /// unless the folder is a model of the same task and labels. Exclusive with <see cref="Config"/>.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Random initialization from this configuration (the "no pretraining" baseline); its vocab_size must
    /// cover the vocabulary. Exclusive with <see cref="ModelDirectory"/>.</summary>
    public BertConfig? Config { get; init; }

    /// <summary>The WordPiece vocabulary; default: the model folder's vocab.txt. Required with <see cref="Config"/>.</summary>
    public string? VocabPath { get; init; }

    /// <summary>Lower-case text before WordPiece; default: the model folder's tokenizer_config.json, else true.</summary>
    public bool? Lowercase { get; init; }

    /// <summary>Longest input in tokens; default min(128, or 384 for qa, and max_position_embeddings).</summary>
    public int? MaxSequenceLength { get; init; }

    /// <summary>QA: context tokens shared by consecutive windows; default a third of the window.</summary>
    public int? DocStride { get; init; }

    /// <summary>QA: question tokens kept; default min(64, a quarter of the window).</summary>
    public int? MaxQueryLength { get; init; }

    /// <summary>QA: longest answer in tokens; default 30.</summary>
    public int? MaxAnswerLength { get; init; }

    /// <summary>classify, pair, regress: add this many augmented copies of every training example
    /// (<see cref="TextAugmenter"/>, seeded by the options' seed; after <see cref="MaxTrainExamples"/>). 0: none.</summary>
    public int Augment { get; init; }

    /// <summary>classify, pair, regress: the sentence representation; null is Hugging Face's pooled [CLS]
    /// (<see cref="Representations.Pooling.Cls"/> computes the same through <see cref="Representations.PooledSequenceNetwork"/>).</summary>
    public Representations.Pooling? Pooling { get; init; }

    /// <summary>External feature vectors for the training examples (<see cref="Representations.ExternalFeatures"/>),
    /// appended to the representation; needs <see cref="DevFeaturesFile"/> when there is dev data.</summary>
    public string? FeaturesFile { get; init; }

    /// <summary>External feature vectors for the dev examples, of the same width.</summary>
    public string? DevFeaturesFile { get; init; }

    /// <summary>Freeze the encoder and train the head on cached encoder features
    /// (<see cref="Representations.FrozenFeatures"/>); the pooling defaults to cls.</summary>
    public bool FreezeEncoder { get; init; }

    /// <summary>Where the frozen-encoder feature cache lives; default OUTPUT/feature-cache.</summary>
    public string? FeatureCacheDirectory { get; init; }

    /// <summary>Train Houlsby adapters of this bottleneck size instead of the whole encoder
    /// (<see cref="Adapters.AdapterTuning"/>; needs <see cref="ModelDirectory"/>); 0: none.</summary>
    public int AdapterSize { get; init; }

    /// <summary>similarity: how token states become a sentence vector; default the model folder's (modules.json), else mean.</summary>
    public Embeddings.PoolingMode? SentencePooling { get; init; }

    /// <summary>similarity: the loss; default cosine for scored pairs, multiple-negatives ranking for pairs without scores.</summary>
    public Similarity.SimilarityLoss? SimilarityLoss { get; init; }

    /// <summary>similarity: the score meaning "the same" (the cosine loss's target is score / MaxScore); default 5 (STS-B).</summary>
    public float? MaxScore { get; init; }
}

/// <summary>
/// A fine-tuning run ready to go: the data read and encoded, the labels taken from the training and dev files (in
/// the starting model's order when it already has the same labels), the network initialized from the options' seed
/// and loaded from the starting model, and the <see cref="FineTuner"/> over them. Disposing it releases the
/// network and the trainer.
/// </summary>
public sealed class FineTuningJob : IDisposable
{
    private FineTuningJob(FineTuner tuner, BertTokenizer tokenizer, string vocabPath, PretrainedLoad? loaded, TaptResult? tapt)
    {
        Tapt = tapt;
        Tuner = tuner;
        Tokenizer = tokenizer;
        VocabPath = vocabPath;
        Loaded = loaded;
    }

    public FineTuner Tuner { get; }
    public TaskNetwork Network => Tuner.Network;
    public BertTokenizer Tokenizer { get; }
    public string VocabPath { get; }

    /// <summary>What was taken from <see cref="FineTuningSetup.ModelDirectory"/>; null for random initialization.</summary>
    public PretrainedLoad? Loaded { get; }

    /// <summary>The task-adaptive pretraining done before fine-tuning (<see cref="FineTunerOptions.TaptSteps"/>); null when none.</summary>
    public TaptResult? Tapt { get; }

    /// <exception cref="ArgumentException">Neither or both of the model folder and the configuration, a vocabulary
    /// larger than the model's, a sequence length beyond its positions, or invalid options.</exception>
    /// <exception cref="InvalidFileException">A data, vocabulary or model file is malformed, or the dev data has a
    /// label the training data lacks.</exception>
    /// <param name="progress">Progress of long preparation work (computing frozen-encoder features).</param>
    /// <param name="taptProgress">Receives (steps taken, loss) after each task-adaptive pretraining step (optional).</param>
    /// <param name="world">The ranks of a data-parallel run (default: this process alone; see <see cref="FineTuner"/>).
    /// Every rank prepares the same job (task-adaptive pretraining included); rank 0 builds a frozen encoder's feature
    /// cache while the others wait, then they read it.</param>
    public static FineTuningJob Prepare(IBackend backend, FineTuningSetup setup, FineTunerOptions options, IProgress<Text.WorkProgress>? progress = null,
        IProgress<(int Step, double Loss)>? taptProgress = null, ICommunicator? world = null)
    {
        world ??= SingleProcess.Instance;
        if (setup.Augment < 0) throw new ArgumentException("Augment must not be negative");
        if ((setup.ModelDirectory == null) == (setup.Config == null))
            throw new ArgumentException("give exactly one of a model folder to start from and a configuration for random initialization");
        options.Validate();
        string source = setup.ModelDirectory ?? "";
        var config = setup.Config ?? Checkpoints.ModelDirectory.LoadConfig(source);
        string vocabPath = setup.VocabPath ?? (setup.ModelDirectory != null ? Checkpoints.ModelDirectory.VocabPath(source)
            : throw new ArgumentException("a vocabulary is required with a configuration"));
        var vocabulary = Vocabulary.Load(vocabPath);
        if (vocabulary.Count > config.VocabSize)
            throw new InvalidFileException(vocabPath, null, $"has {vocabulary.Count} tokens but the model's vocab_size is {config.VocabSize}");
        bool lowercase = setup.Lowercase ?? (setup.ModelDirectory != null ? TokenizerConfig.DoLowerCase(source) : null) ?? true;
        var tokenizer = new BertTokenizer(vocabulary, lowercase);

        var original = TaskFile.Read(setup.TrainFile, setup.Task).Take(setup.MaxTrainExamples ?? int.MaxValue);
        var train = setup.Augment > 0 ? Augmented(original, setup.Augment, options.Seed) : original;
        var dev = setup.DevFile == null ? null : TaskFile.Read(setup.DevFile, setup.Task).Take(setup.MaxDevExamples ?? int.MaxValue);
        var (trainFeatures, devFeatures) = RequireRepresentationOptions(setup, options, dev != null);
        var spec = Spec(setup, config, lowercase, Labels(train, dev, config)) with
        {
            Pooling = setup.Pooling ?? (setup.FreezeEncoder ? Representations.Pooling.Cls : null),
            ExternalFeatures = trainFeatures?.Dimension ?? 0,
            AdapterSize = setup.AdapterSize,
            BaseModel = setup.AdapterSize > 0 ? Path.GetFullPath(source) : null,
        };
        if (setup.Task == TaskKind.Similarity) spec = SimilaritySpec(spec, setup, train);
        spec.Validate();
        var network = TaskNetwork.Create(spec, config);
        AuxiliaryMlm? auxiliary = null;
        try
        {
            network.Initialize(options.Seed);
            var loaded = setup.ModelDirectory != null ? TaskModelDirectory.LoadPretrained(network, source) : null;
            backend.Adopt(network.Model.Parameters());   // before TAPT and frozen features run the encoder
            var tapt = options.TaptSteps > 0
                ? TaskAdaptivePretraining.Run(backend, network, original, tokenizer, setup.ModelDirectory, options, taptProgress)
                : null;
            var trainData = TaskData.Create(train, spec, tokenizer);
            var devData = dev == null ? null : TaskData.Create(dev, spec, tokenizer);
            if (trainFeatures != null) ((SequenceTaskData)trainData).AttachExternal(trainFeatures);
            if (devFeatures != null) ((SequenceTaskData)devData!).AttachExternal(devFeatures);
            if (setup.FreezeEncoder)   // after TAPT: the cache holds the features of the adapted encoder
                world.RankZeroFirst("rank 0's feature cache", () => Representations.FrozenFeatures.Attach(backend,
                    (Representations.PooledSequenceNetwork)network, devData == null ? [trainData] : [trainData, devData],
                    setup.FeatureCacheDirectory ?? Path.Combine(options.OutputDirectory, "feature-cache"), progress));
            auxiliary = options.AuxMlmWeight > 0 ? new AuxiliaryMlm(network, vocabulary, options.AuxMlmWeight, options.Seed, setup.ModelDirectory) : null;
            var tuner = new FineTuner(backend, network, trainData, devData, options, vocabPath, auxiliary, world: world);
            return new FineTuningJob(tuner, tokenizer, vocabPath, loaded, tapt);
        }
        catch
        {
            auxiliary?.Dispose();
            network.Dispose();
            throw;
        }
    }

    /// <summary>Runs the trainer (see <see cref="FineTuner.Run"/>).</summary>
    public FineTuningResult Run(CancellationToken cancellation = default) => Tuner.Run(cancellation);

    /// <summary>The examples of <paramref name="train"/> followed by <paramref name="copies"/> augmented copies of each.</summary>
    /// <exception cref="ArgumentException">A task other than classify, pair and regress.</exception>
    internal static TaskFile Augmented(TaskFile train, int copies, int seed)
    {
        if (train.Sequences is not { } sequences)
            throw new ArgumentException($"augmentation edits the words of texts: it works for classify, pair and regress, not {train.Task.Name()}");
        return TaskFile.FromSequences(train.Task, new TextAugmenter(seed).Expand(sequences, copies), train.Source);
    }

    /// <summary>The similarity fields of the spec: the pooling and normalization (the option, else the starting model's,
    /// else mean without normalization), the loss (the option, else by whether the data is scored) and the maximum score.</summary>
    private static TaskSpec SimilaritySpec(TaskSpec spec, FineTuningSetup setup, TaskFile train)
    {
        var existing = setup.ModelDirectory == null ? null : Embeddings.EmbeddingPooling.Read(setup.ModelDirectory);
        return spec with
        {
            Embedding = new Embeddings.EmbeddingPooling(setup.SentencePooling ?? existing?.Mode ?? Embeddings.PoolingMode.Mean, existing?.Normalize ?? false),
            Loss = setup.SimilarityLoss ?? (train.Similarities!.Scored ? Similarity.SimilarityLoss.Cosine : Similarity.SimilarityLoss.MultipleNegativesRanking),
            MaxScore = setup.MaxScore ?? spec.MaxScore,
        };
    }

    /// <summary>Checks the representation options against each other and the task; reads the external features.</summary>
    private static (Representations.ExternalFeatures? Train, Representations.ExternalFeatures? Dev) RequireRepresentationOptions(FineTuningSetup setup, FineTunerOptions options, bool hasDev)
    {
        bool sequence = setup.Task is TaskKind.Classify or TaskKind.Pair or TaskKind.Regress;
        if (!sequence && (setup.Pooling != null || setup.FeaturesFile != null || setup.FreezeEncoder))
            throw new ArgumentException($"pooling, external features and a frozen encoder apply to classify, pair and regress, not {setup.Task.Name()}");
        if (setup.AdapterSize < 0) throw new ArgumentException("the adapter size must not be negative");
        if (setup.Task != TaskKind.Similarity && (setup.SentencePooling != null || setup.SimilarityLoss != null || setup.MaxScore != null))
            throw new ArgumentException($"a sentence pooling, a similarity loss and a maximum score apply to similarity, not {setup.Task.Name()}");
        if (setup.AdapterSize > 0 && setup.Task == TaskKind.Similarity) throw new ArgumentException("adapters are not offered for similarity: the bi-encoder trains its whole encoder");
        if (setup.AdapterSize > 0 && setup.ModelDirectory == null) throw new ArgumentException("adapters need a pretrained model folder to start from");
        if (setup.AdapterSize > 0 && setup.FreezeEncoder) throw new ArgumentException("adapters and a frozen encoder exclude each other");
        if (setup.FeaturesFile != null && setup.Augment > 0)
            throw new ArgumentException("external features are keyed by the data line of each example: they cannot follow augmented copies");
        if (setup.FreezeEncoder && options.AuxMlmWeight > 0) throw new ArgumentException("an auxiliary MLM loss needs a trainable encoder, not a frozen one");
        if (setup.FeaturesFile == null && setup.DevFeaturesFile != null) throw new ArgumentException("dev features without training features");
        if (setup.FeaturesFile != null && hasDev && setup.DevFeaturesFile == null)
            throw new ArgumentException("external training features need the dev data's features too");
        var train = setup.FeaturesFile == null ? null : Representations.ExternalFeatures.Read(setup.FeaturesFile);
        var dev = hasDev && setup.DevFeaturesFile != null ? Representations.ExternalFeatures.Read(setup.DevFeaturesFile) : null;
        if (train != null && dev != null && dev.Dimension != train.Dimension)
            throw new IO.InvalidFileException(dev.Path, null, $"rows have {dev.Dimension} feature values but the training features have {train.Dimension}");
        return (train, dev);
    }

    /// <summary>
    /// The labels of the training and dev files together (a dev tag missing from a small training set can still be
    /// scored; the model just never learns to predict it), in the starting model's id order when it has exactly
    /// these labels (so its head stays meaningful).
    /// </summary>
    private static LabelVocabulary? Labels(TaskFile train, TaskFile? dev, BertConfig config)
    {
        var labels = train.Labels();
        if (labels == null) return null;
        if (dev?.Labels() is { } devLabels) labels = LabelVocabulary.FromLabels(labels.Labels.Concat(devLabels.Labels));
        if (config.Id2Label is not { } id2Label || id2Label.Count != labels.Count) return labels;
        var existing = LabelVocabulary.FromId2Label(id2Label);
        return existing.Labels.All(l => labels.TryGetId(l, out _)) ? existing : labels;
    }

    private static TaskSpec Spec(FineTuningSetup setup, BertConfig config, bool lowercase, LabelVocabulary? labels)
    {
        int maxLength = setup.MaxSequenceLength ?? Math.Min(setup.Task.DefaultMaxSequenceLength(), config.MaxPositionEmbeddings);
        if (maxLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"the maximum sequence length {maxLength} exceeds the model's max_position_embeddings {config.MaxPositionEmbeddings}");
        var spec = TaskSpec.Create(setup.Task, labels, maxLength, lowercase);
        spec = spec with
        {
            DocStride = setup.DocStride ?? spec.DocStride,
            MaxQueryLength = setup.MaxQueryLength ?? spec.MaxQueryLength,
            MaxAnswerLength = setup.MaxAnswerLength ?? spec.MaxAnswerLength,
        };
        spec.Validate();
        return spec;
    }

    public void Dispose()
    {
        Tuner.Dispose();
        Network.Dispose();
    }
}
