using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Checkpoints;
using BertCore.Distributed;
using BertCore.IO;
using BertCore.Text;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Training.Distillation;

/// <summary>How the student starts.</summary>
public enum StudentStart
{
    /// <summary>From the teacher's layers when the widths match (<see cref="StudentInitializer"/>), else random.</summary>
    Auto,

    /// <summary>Hugging Face random initialization from the seed.</summary>
    Random,

    /// <summary>From the model folder <see cref="DistillationSetup.StudentInitDirectory"/> (as finetune --model loads one).</summary>
    Directory,

    /// <summary>Embeddings projected from the teacher's onto its top principal directions (<see cref="EmbeddingProjection"/>),
    /// for a narrower student; the layers and the head random.</summary>
    ProjectedEmbeddings,
}

/// <summary>What a distillation run learns from and into (the inputs of <see cref="DistillationJob.Prepare"/>).</summary>
public sealed record DistillationSetup
{
    public required TaskKind Task { get; init; }

    /// <summary>A fine-tuned model folder of <see cref="Task"/> (TaskModelDirectory layout): its labels, input length,
    /// case handling and vocabulary are the student's too.</summary>
    public required string TeacherDirectory { get; init; }

    /// <summary>The student's shape; its vocabulary size, token types and label fields are taken from the teacher.</summary>
    public required BertConfig StudentConfig { get; init; }

    public StudentStart StudentStart { get; init; } = StudentStart.Auto;

    /// <summary>The model folder the student starts from when <see cref="StudentStart"/> is Directory.</summary>
    public string? StudentInitDirectory { get; init; }

    /// <summary>Labelled training data; the teacher's logits on it are cached.</summary>
    public required string TrainFile { get; init; }

    public string? DevFile { get; init; }
    public int? MaxTrainExamples { get; init; }
    public int? MaxDevExamples { get; init; }

    /// <summary>Augmented copies of every training text (EDA without synonyms, as finetune's <c>--augment</c>, seeded by
    /// the options' seed) added to the transfer data: the teacher labels each copy, so the student learns the teacher's
    /// soft labels on more inputs than the labelled ones. 0: none.</summary>
    public int Augment { get; init; }

    /// <summary>The student's sentence vector for classify, pair and regress (as finetune's <c>--pooling</c>); null: the
    /// teacher's. Mean pooling needs no pooler, which a student pretrained with MLM alone has not learned.</summary>
    public Pooling? StudentPooling { get; init; }

    /// <summary>Folder of teacher-logit caches (<see cref="TeacherCache"/>); default: OUTPUT/teacher-cache.</summary>
    public string? CacheDirectory { get; init; }
}

/// <summary>
/// A distillation run ready to go: the teacher loaded, its logits on the training data cached, the student built
/// and initialized, and a <see cref="FineTuner"/> training it with a <see cref="DistillationObjective"/>. The output
/// folder is a normal fine-tuned model folder (evaluate, predict and <see cref="Inference.TaskModel"/> load it).
/// </summary>
public sealed class DistillationJob : IDisposable
{
    private readonly TaskNetwork _teacher;
    private readonly DistillationObjective _objective;

    private DistillationJob(FineTuner tuner, TaskNetwork teacher, DistillationObjective objective, string initialization)
    {
        Tuner = tuner;
        _teacher = teacher;
        _objective = objective;
        Initialization = initialization;
    }

    public FineTuner Tuner { get; }
    public TaskNetwork Student => Tuner.Network;
    public TaskNetwork Teacher => _teacher;

    /// <summary>How the student started, in words.</summary>
    public string Initialization { get; }

    /// <param name="log">Receives progress lines of the preparation (the teacher cache).</param>
    /// <exception cref="ArgumentException">Invalid options, a teacher of another task, QA, or an impossible initialization.</exception>
    /// <exception cref="InvalidFileException">A data, model or cache file is malformed.</exception>
    /// <param name="world">The ranks of a data-parallel run (default: this process alone): rank 0 builds the teacher
    /// cache while the others wait, then they read it (see <see cref="FineTuner"/> for the training).</param>
    public static DistillationJob Prepare(IBackend backend, DistillationSetup setup, FineTunerOptions options, DistillationOptions distillation,
        Action<string>? log = null, ICommunicator? world = null)
    {
        world ??= SingleProcess.Instance;
        options.Validate();
        distillation.Validate();
        if (setup.Augment < 0) throw new ArgumentException("Augment must not be negative");
        var teacher = TaskModelDirectory.Load(setup.TeacherDirectory);
        try
        {
            var spec = teacher.Spec;
            if (spec.Task != setup.Task && !(spec.Task is TaskKind.Classify or TaskKind.Pair && setup.Task is TaskKind.Classify or TaskKind.Pair))
                throw new ArgumentException($"the teacher {setup.TeacherDirectory} is a {spec.Task.Name()} model, not {setup.Task.Name()}");
            string vocabPath = ModelDirectory.VocabPath(setup.TeacherDirectory);
            var tokenizer = new BertTokenizer(Vocabulary.Load(vocabPath), spec.Lowercase);
            var trainFile = TaskFile.Read(setup.TrainFile, setup.Task).Take(setup.MaxTrainExamples ?? int.MaxValue);
            if (setup.Augment > 0) trainFile = FineTuningJob.Augmented(trainFile, setup.Augment, options.Seed);
            var devFile = setup.DevFile == null ? null : TaskFile.Read(setup.DevFile, setup.Task).Take(setup.MaxDevExamples ?? int.MaxValue);
            var train = TaskData.Create(trainFile, spec, tokenizer);
            var dev = devFile == null ? null : TaskData.Create(devFile, spec, tokenizer);

            var config = setup.StudentConfig with
            {
                VocabSize = teacher.Config.VocabSize, PadTokenId = teacher.Config.PadTokenId, TypeVocabSize = teacher.Config.TypeVocabSize,
                MaxPositionEmbeddings = Math.Max(setup.StudentConfig.MaxPositionEmbeddings, spec.MaxSequenceLength),
            };
            var map = distillation.LayerMap ?? LayerMapping.Uniform(config.NumHiddenLayers, teacher.Config.NumHiddenLayers);
            distillation = distillation with { LayerMap = map };
            var studentSpec = setup.StudentPooling is { } pooling ? spec with { Pooling = pooling } : spec;
            studentSpec.Validate();
            studentSpec.Pooling?.Validate(config.NumHiddenLayers);
            var student = TaskNetwork.Create(studentSpec, config);
            try
            {
                student.Initialize(options.Seed);
                string initialization = Initialize(student, teacher, setup, map);   // copies teacher layers while both are on the host
                backend.Adopt(teacher.Model.Parameters());   // the teacher runs on the backend: its logits, hidden states, attention
                var logits = world.RankZeroFirst("rank 0's teacher cache", () => TeacherCache.Logits(backend, teacher, setup.TeacherDirectory, train,
                    setup.CacheDirectory ?? Path.Combine(options.OutputDirectory, "teacher-cache"), options.EvalBatchSize, log));
                var objective = new DistillationObjective(student, logits, distillation, teacher, options.Seed);
                var tuner = new FineTuner(backend, student, train, dev, options, vocabPath, objective: objective, world: world);
                return new DistillationJob(tuner, teacher, objective, initialization);
            }
            catch
            {
                student.Dispose();
                throw;
            }
        }
        catch
        {
            teacher.Dispose();
            throw;
        }
    }

    private static string Initialize(TaskNetwork student, TaskNetwork teacher, DistillationSetup setup, LayerMapping map)
    {
        switch (setup.StudentStart)
        {
            case StudentStart.Directory:
                string dir = setup.StudentInitDirectory ?? throw new ArgumentException("a student initialization folder is required");
                return $"from {dir}: {TaskModelDirectory.LoadPretrained(student, dir)}";
            case StudentStart.Auto when StudentInitializer.CanCopy(student, teacher, map):
                int copied = StudentInitializer.CopyFromTeacher(student, teacher, map);
                return $"from the teacher's layers {map} ({copied} tensors)";
            case StudentStart.Random:
                return "random";
            case StudentStart.ProjectedEmbeddings:
                double kept = EmbeddingProjection.Project(student.Encoder.Embeddings, teacher.Encoder.Embeddings);
                return string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"embeddings projected onto the teacher's top {student.Config.HiddenSize} principal directions ({kept:P1} of its word-embedding variance), layers random");
            default:
                return "random (the widths differ from the teacher's)";
        }
    }

    /// <summary>Trains the student (see <see cref="FineTuner.Run"/>).</summary>
    public FineTuningResult Run(CancellationToken cancellation = default) => Tuner.Run(cancellation);

    public void Dispose()
    {
        Tuner.Dispose();
        Student.Dispose();
        _objective.Dispose();
        _teacher.Dispose();
    }
}
