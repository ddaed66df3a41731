using System.Text.Json;
using System.Text.Json.Serialization;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Training.FineTuning.Representations;
using BertCore.Training.FineTuning.Similarity;

namespace BertCore.Training.FineTuning;

/// <summary>
/// What a fine-tuned model does and how its inputs are prepared: the task, its labels, the longest input, the
/// tokenizer's case handling and, for QA, the window and answer lengths. A fine-tuned model folder stores it in
/// <see cref="FileName"/> (the labels go to config.json's <c>id2label</c>, where Hugging Face keeps them), so
/// evaluation and prediction prepare inputs exactly as training did.
/// </summary>
public sealed record TaskSpec
{
    /// <summary>The file in a model folder that holds the spec (without the labels).</summary>
    public const string FileName = "bertcore_task.json";

    public required TaskKind Task { get; init; }

    /// <summary>The class labels (classify, pair) or IOB2 tags (ner) in id order; null for regress and qa.</summary>
    public LabelVocabulary? Labels { get; init; }

    /// <summary>Longest encoding in tokens, special tokens included; longer inputs are truncated (QA: windowed).</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>Lower-case and strip accents before WordPiece (Hugging Face <c>do_lower_case</c>): true for uncased vocabularies.</summary>
    public bool Lowercase { get; init; } = true;

    /// <summary>QA: context tokens shared by consecutive windows (Hugging Face <c>doc_stride</c>).</summary>
    public int DocStride { get; init; }

    /// <summary>QA: question tokens kept.</summary>
    public int MaxQueryLength { get; init; }

    /// <summary>QA: longest answer in tokens.</summary>
    public int MaxAnswerLength { get; init; } = 30;

    /// <summary>QA: start and end candidates tried per window.</summary>
    public int NBestSize { get; init; } = 20;

    /// <summary>classify, pair, regress: the sentence representation (<see cref="PooledSequenceNetwork"/>); null is
    /// Hugging Face's BertForSequenceClassification (pooled [CLS]).</summary>
    public Pooling? Pooling { get; init; }

    /// <summary>classify, pair, regress: width of the external feature vector appended to each example's
    /// representation (<see cref="Representations.ExternalFeatures"/>); 0 for none.</summary>
    public int ExternalFeatures { get; init; }

    /// <summary>Bottleneck size of the Houlsby adapters in every layer (<see cref="Adapters.AdapterTuning"/>); 0 for none.</summary>
    public int AdapterSize { get; init; }

    /// <summary>Adapters: the model folder whose weights the adapters were trained on (the folder saves only the
    /// trained parameters).</summary>
    public string? BaseModel { get; init; }

    /// <summary>similarity: the pooling of the sentence vectors (saved as sentence-transformers' modules.json and
    /// 1_Pooling/config.json, <see cref="EmbeddingPooling"/>, not in <see cref="FileName"/>); null for other tasks.</summary>
    public EmbeddingPooling? Embedding { get; init; }

    /// <summary>similarity: the training loss; null for other tasks.</summary>
    public SimilarityLoss? Loss { get; init; }

    /// <summary>similarity: the score that means "the same" (STS-B's 5); the cosine loss's target is score / MaxScore.</summary>
    public float MaxScore { get; init; } = 5f;

    /// <summary>
    /// A spec with the task's defaults: for QA a document stride of a third of the window (Hugging Face's 128 at
    /// 384) and questions cut at min(64, maxSequenceLength / 4) tokens.
    /// </summary>
    public static TaskSpec Create(TaskKind task, LabelVocabulary? labels, int maxSequenceLength, bool lowercase = true)
    {
        var spec = new TaskSpec
        {
            Task = task, Labels = labels, MaxSequenceLength = maxSequenceLength, Lowercase = lowercase,
            DocStride = task == TaskKind.Qa ? maxSequenceLength / 3 : 0,
            MaxQueryLength = task == TaskKind.Qa ? Math.Min(64, maxSequenceLength / 4) : 0,
        };
        spec.Validate();
        return spec;
    }

    /// <summary>Outputs of the head: the labels' count, 1 for regression, 2 (start, end) for QA, 0 for similarity (no head).</summary>
    public int NumLabels => Task switch
    {
        TaskKind.Regress => 1,
        TaskKind.Qa => 2,
        TaskKind.Similarity => 0,
        _ => Labels!.Count,
    };

    /// <summary>How QA examples are cut into windows.</summary>
    public QaFeatureOptions QaFeatureOptions => new() { MaxLength = MaxSequenceLength, DocStride = DocStride, MaxQueryLength = MaxQueryLength };

    /// <summary>How QA windows' logits become answers.</summary>
    public QaPostprocessOptions QaPostprocessOptions => new() { NBestSize = NBestSize, MaxAnswerLength = MaxAnswerLength };

    /// <exception cref="ArgumentException">Labels missing (or given) for the task, or a length out of range.</exception>
    public void Validate()
    {
        if (Task.HasLabels() != Labels is not null)
            throw new ArgumentException(Task.HasLabels() ? $"task {Task.Name()} needs labels" : $"task {Task.Name()} has no labels");
        if (Task is TaskKind.Classify or TaskKind.Pair && Labels!.Count < 2)
            throw new ArgumentException($"classification needs at least 2 labels, the training data has only {Labels.Describe()}");
        if ((Pooling != null || ExternalFeatures != 0) && Task is not (TaskKind.Classify or TaskKind.Pair or TaskKind.Regress))
            throw new ArgumentException($"a pooling and external features apply to classify, pair and regress, not {Task.Name()}");
        if (ExternalFeatures < 0 || AdapterSize < 0) throw new ArgumentException("the external feature width and the adapter size must not be negative");
        if (AdapterSize > 0 && string.IsNullOrEmpty(BaseModel)) throw new ArgumentException("adapters need the base model folder they were trained on");
        if (Task != TaskKind.Similarity && (Embedding != null || Loss != null))
            throw new ArgumentException($"a sentence pooling and a similarity loss apply to similarity, not {Task.Name()}");
        if (!(MaxScore > 0) || !float.IsFinite(MaxScore)) throw new ArgumentException($"the maximum score {MaxScore} must be a positive number");
        if (MaxSequenceLength < 8) throw new ArgumentException($"the maximum sequence length {MaxSequenceLength} is below 8 tokens");
        if (Task != TaskKind.Qa) return;
        if (MaxQueryLength < 1 || DocStride < 0 || MaxAnswerLength < 1 || NBestSize < 1)
            throw new ArgumentException("QA needs a positive question length, answer length and n-best size, and a non-negative document stride");
        if (MaxSequenceLength - MaxQueryLength - 3 <= DocStride)
            throw new ArgumentException($"QA windows of {MaxSequenceLength} tokens leave {MaxSequenceLength - MaxQueryLength - 3} context tokens " +
                $"after a {MaxQueryLength}-token question, not more than the document stride {DocStride}");
    }

    /// <summary>
    /// The model configuration for this task: num_labels, id2label / label2id, problem_type and architectures set
    /// as Hugging Face's task classes expect them (labels and problem type of an earlier task are dropped); similarity
    /// is a BertModel, whose num_labels is kept as it was.
    /// </summary>
    public BertConfig ApplyTo(BertConfig config) => config with
    {
        NumLabels = Task == TaskKind.Similarity ? config.NumLabels : NumLabels,
        Id2Label = Labels?.ToId2Label(),
        Label2Id = Labels?.Labels.Select((label, id) => (label, id)).ToDictionary(p => p.label, p => p.id),
        ProblemType = Task switch
        {
            TaskKind.Classify or TaskKind.Pair => "single_label_classification",
            TaskKind.Regress => "regression",
            _ => null,
        },
        Architectures = [Task.Architecture()],
    };

    /// <summary>Writes <see cref="FileName"/> into <paramref name="dir"/>, atomically.</summary>
    public void Save(string dir)
    {
        var file = new SpecFile(Task.Name(), MaxSequenceLength, Lowercase,
            Task == TaskKind.Qa ? DocStride : null, Task == TaskKind.Qa ? MaxQueryLength : null,
            Task == TaskKind.Qa ? MaxAnswerLength : null, Task == TaskKind.Qa ? NBestSize : null,
            Pooling?.ToString(), ExternalFeatures > 0 ? ExternalFeatures : null, AdapterSize > 0 ? AdapterSize : null, AdapterSize > 0 ? BaseModel : null,
            Loss?.Name(), Task == TaskKind.Similarity ? MaxScore : null);
        AtomicFile.Write(Path.Combine(dir, FileName), stream => JsonSerializer.Serialize(stream, file, Json));
    }

    /// <summary>
    /// The spec of a fine-tuned model folder: <see cref="FileName"/> and the labels of <paramref name="config"/>.
    /// A similarity folder's pooling comes from modules.json and 1_Pooling/config.json (<see cref="EmbeddingPooling.Read"/>).
    /// A Hugging Face folder without the file is read from config.json alone: the task from
    /// <c>architectures</c> and <c>problem_type</c> (sequence classification reads as classify), lengths from
    /// the defaults, the case handling from tokenizer_config.json's <c>do_lower_case</c> (default true).
    /// </summary>
    /// <exception cref="InvalidFileException">The file is malformed, or the folder holds no task model.</exception>
    public static TaskSpec Load(string dir, BertConfig config)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) return FromConfig(dir, config);
        SpecFile file;
        try
        {
            using var stream = File.OpenRead(path);
            file = JsonSerializer.Deserialize<SpecFile>(stream, Json) ?? throw new InvalidFileException(path, null, "holds null instead of a task spec");
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, e.LineNumber is long l ? (int)l + 1 : null, "not a valid task spec: " + e.Message, e);
        }
        try
        {
            var task = TaskKinds.Parse(file.Task ?? throw new ArgumentException("no \"task\" field"));
            var spec = Create(task, task.HasLabels() ? LabelsOf(config, path) : null, file.MaxSeqLength, file.DoLowerCase) with
            {
                DocStride = file.DocStride ?? (task == TaskKind.Qa ? file.MaxSeqLength / 3 : 0),
                MaxQueryLength = file.MaxQueryLength ?? (task == TaskKind.Qa ? Math.Min(64, file.MaxSeqLength / 4) : 0),
                MaxAnswerLength = file.MaxAnswerLength ?? 30,
                NBestSize = file.NBestSize ?? 20,
                Pooling = file.Pooling == null ? null : Representations.Pooling.Parse(file.Pooling),
                ExternalFeatures = file.ExternalFeatures ?? 0,
                AdapterSize = file.AdapterSize ?? 0,
                BaseModel = file.BaseModel,
                Loss = file.Loss == null ? null : SimilarityLosses.Parse(file.Loss),
                MaxScore = file.MaxScore ?? 5f,
                Embedding = task == TaskKind.Similarity
                    ? EmbeddingPooling.Read(dir) ?? throw new ArgumentException($"a similarity model needs {EmbeddingPooling.ModulesFile} beside it (the sentence pooling)")
                    : null,
            };
            spec.Pooling?.Validate(config.NumHiddenLayers);
            spec.Validate();
            if (task != TaskKind.Similarity && spec.NumLabels != config.NumLabels)
                throw new ArgumentException($"the task has {spec.NumLabels} outputs but config.json's num_labels is {config.NumLabels}");
            return spec;
        }
        catch (ArgumentException e)
        {
            throw new InvalidFileException(path, null, e.Message, e);
        }
    }

    private static TaskSpec FromConfig(string dir, BertConfig config)
    {
        string configPath = config.SourcePath ?? Path.Combine(dir, ModelDirectory.ConfigFile);
        var architectures = config.Architectures ?? [];
        TaskKind task =
            architectures.Contains(TaskKind.Qa.Architecture()) ? TaskKind.Qa
            : architectures.Contains(TaskKind.Ner.Architecture()) ? TaskKind.Ner
            : architectures.Contains(TaskKind.Classify.Architecture())
                ? (config.ProblemType == "regression" || config.NumLabels == 1 ? TaskKind.Regress : TaskKind.Classify)
            : throw new InvalidFileException(configPath, null,
                $"{dir} holds no fine-tuned task model: it has no {FileName} and config.json's architectures " +
                $"[{string.Join(", ", architectures)}] name no BertFor(SequenceClassification|TokenClassification|QuestionAnswering)");
        bool lowercase = TokenizerConfig.DoLowerCase(dir) ?? true;
        try
        {
            return Create(task, task.HasLabels() ? LabelsOf(config, configPath) : null,
                Math.Min(task.DefaultMaxSequenceLength(), config.MaxPositionEmbeddings), lowercase);
        }
        catch (ArgumentException e)
        {
            throw new InvalidFileException(configPath, null, e.Message, e);
        }
    }

    /// <summary>The labels of config.json's id2label (Hugging Face's LABEL_i names when it has none).</summary>
    private static LabelVocabulary LabelsOf(BertConfig config, string path)
    {
        if (config.Id2Label is null)
            return new LabelVocabulary(Enumerable.Range(0, config.NumLabels).Select(i => $"LABEL_{i}"));
        try
        {
            return LabelVocabulary.FromId2Label(config.Id2Label);
        }
        catch (ArgumentException e)
        {
            throw new InvalidFileException(config.SourcePath ?? path, null, "id2label: " + e.Message, e);
        }
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The JSON layout of <see cref="FileName"/>; the QA fields are absent for other tasks, the representation
    /// and adapter fields when unused, the similarity fields for other tasks.</summary>
    private sealed record SpecFile(string? Task, int MaxSeqLength, bool DoLowerCase, int? DocStride, int? MaxQueryLength,
        int? MaxAnswerLength, int? NBestSize, string? Pooling = null, int? ExternalFeatures = null, int? AdapterSize = null, string? BaseModel = null,
        string? Loss = null, float? MaxScore = null);
}
