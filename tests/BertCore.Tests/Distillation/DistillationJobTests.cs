using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Demo;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.Distillation;

/// <summary>A small teacher fine-tuned once for <see cref="DistillationJobTests"/> on the synthetic sentiment task
/// (trained and evaluated on two parts of the training file: the dev file holds unseen adjectives, see FineTunerTests).</summary>
public sealed class TinyTeacher : IDisposable
{
    private readonly TempFolder _folder = new();

    public TinyTeacher()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root);
        var lines = File.ReadAllLines(files.ClassifyTrain);
        (Train, Dev) = (_folder.File("train.tsv"), _folder.File("dev.tsv"));
        File.WriteAllLines(Train, lines[..200]);
        File.WriteAllLines(Dev, [lines[0], .. lines[200..]]);
        Directory = _folder.File("teacher");
        using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = Train, DevFile = Dev, Config = TinyTasks.Config(vocab), VocabPath = vocab,
        }, new FineTunerOptions { OutputDirectory = Directory, Epochs = 12, BatchSize = 16, LearningRate = 2e-3f, Seed = 5 });
        job.Run();
    }

    public string Train { get; }
    public string Dev { get; }
    public string Directory { get; }

    public void Dispose() => _folder.Dispose();
}

/// <summary>Distillation runs on the synthetic sentiment task: students of other shapes, the teacher-logit cache and
/// the initialization from the teacher's layers.</summary>
public sealed class DistillationJobTests(TinyTeacher teacher) : IClassFixture<TinyTeacher>, IDisposable
{
    private readonly TempFolder _folder = new();
    private string _train = teacher.Train, _teacher = teacher.Directory;
    private readonly string _dev = teacher.Dev;

    public void Dispose() => _folder.Dispose();

    /// <summary>Copies of the training file and the teacher folder that a test may change.</summary>
    private void UseCopies()
    {
        _train = _folder.File("train.tsv");
        File.Copy(teacher.Train, _train);
        _teacher = _folder.File("teacher");
        System.IO.Directory.CreateDirectory(_teacher);
        foreach (var file in System.IO.Directory.GetFiles(teacher.Directory)) File.Copy(file, Path.Combine(_teacher, Path.GetFileName(file)));
    }

    private static BertConfig Student(int layers, int hidden, int heads = 2) =>
        new() { NumHiddenLayers = layers, HiddenSize = hidden, NumAttentionHeads = heads, IntermediateSize = 2 * hidden, MaxPositionEmbeddings = 128 };

    private DistillationJob Job(string output, BertConfig student, DistillationOptions distillation, string? cache = null, int epochs = 12,
        StudentStart start = StudentStart.Auto, List<string>? log = null, int augment = 0, Pooling? pooling = null) =>
        DistillationJob.Prepare(new CpuBackend(), new DistillationSetup
        {
            Task = TaskKind.Classify, TeacherDirectory = _teacher, StudentConfig = student, StudentStart = start, TrainFile = _train, DevFile = _dev,
            CacheDirectory = cache, Augment = augment, StudentPooling = pooling,
        }, new FineTunerOptions { OutputDirectory = output, Epochs = epochs, BatchSize = 16, LearningRate = 2e-3f, Seed = 7 }, distillation, log == null ? null : log.Add);

    [Fact]
    public void A_narrower_student_learns_the_task_from_the_teacher_and_saves_a_normal_model_folder()
    {
        string output = _folder.File("student");
        using (var teacher = TaskModel.Load(_teacher))
            Assert.True(teacher.Evaluate(_dev)["accuracy"] >= 0.9, "the teacher should have learned the synthetic task");
        using var job = Job(output, Student(1, 16), new DistillationOptions { Alpha = 0.8f, Temperature = 2f, HiddenWeight = 1f, AttentionWeight = 1f });
        Assert.Equal("random (the widths differ from the teacher's)", job.Initialization);
        var result = job.Run();

        // chance is 0.5; the teacher is ≥ 0.9
        Assert.True(result.Best!.Scores.Primary >= 0.85, $"student dev accuracy {result.Best.Scores.Primary}");
        using var model = TaskModel.Load(output);
        Assert.Equal(16, model.Config.HiddenSize);
        Assert.Equal(result.Best.Scores.Primary, model.Evaluate(_dev)["accuracy"]);
        Assert.Single(System.IO.Directory.GetFiles(Path.Combine(output, "teacher-cache")));
    }

    [Fact]
    public void The_teacher_cache_is_reused_for_the_same_inputs_and_never_for_other_data_or_weights()
    {
        UseCopies();
        string cache = _folder.File("cache");
        var log = new List<string>();
        var options = new DistillationOptions();
        using (Job(_folder.File("a"), Student(1, 16), options, cache, log: log)) { }
        using (Job(_folder.File("b"), Student(1, 16), options, cache, log: log)) { }
        Assert.StartsWith("teacher logits: computed", log[0]);
        Assert.StartsWith("teacher logits: read", log[1]);

        // other training data: another key, a new file
        File.WriteAllLines(_train, File.ReadAllLines(_train)[..150]);
        using (Job(_folder.File("c"), Student(1, 16), options, cache, log: log)) { }
        Assert.StartsWith("teacher logits: computed", log[2]);
        Assert.Equal(2, System.IO.Directory.GetFiles(cache).Length);

        // other teacher weights (same shapes): another key again
        using (var teacher = TaskModelDirectory.Load(_teacher))
        {
            teacher.Encoder.Layers[0].Query.Bias!.Value.Span[0] += 1f;
            TaskModelDirectory.Save(_teacher, teacher, ModelDirectory.VocabPath(_teacher));
        }
        using (Job(_folder.File("d"), Student(1, 16), options, cache, log: log)) { }
        Assert.StartsWith("teacher logits: computed", log[3]);
        Assert.Equal(3, System.IO.Directory.GetFiles(cache).Length);
    }

    [Fact]
    public void A_student_with_mean_pooling_learns_saves_it_and_evaluates_the_same_after_loading()
    {
        string output = _folder.File("mean");
        using var job = Job(output, Student(1, 16), new DistillationOptions(), pooling: Pooling.Parse("mean"));
        Assert.Equal("mean", job.Student.Spec.Pooling?.ToString());
        var result = job.Run();
        Assert.True(result.Best!.Scores.Primary >= 0.85, $"student dev accuracy {result.Best.Scores.Primary}");   // chance 0.5, teacher ≥ 0.9
        using var model = TaskModel.Load(output);
        Assert.Equal("mean", model.Spec.Pooling?.ToString());
        Assert.Equal(result.Best.Scores.Primary, model.Evaluate(_dev)["accuracy"]);
    }

    [Fact]
    public void Augmented_copies_join_the_transfer_data_and_the_teacher_labels_each_one()
    {
        string cache = _folder.File("cache");
        using var job = Job(_folder.File("augmented"), Student(1, 16), new DistillationOptions(), cache, epochs: 1, augment: 2);
        int n = TaskFile.Read(_train, TaskKind.Classify).Count;
        var examples = job.Tuner.Train.File.Sequences!;
        Assert.Equal(3 * n, examples.Count);   // the n originals, then 2 edited copies of each
        Assert.True(Enumerable.Range(0, n).Count(i => examples[n + i].Text != examples[i].Text) > 3 * n / 4, "the copies should be edited texts");

        using var file = SafeTensorsFile.Open(System.IO.Directory.GetFiles(cache).Single());
        using var values = file.Read("logits");
        using var starts = file.Read("offsets");
        Assert.Equal(3 * n + 1, starts.IntSpan.Length);   // one row of teacher logits per original and per copy
        int width = starts.IntSpan[1];
        var logits = values.Span.ToArray();
        int differing = Enumerable.Range(0, n).Count(i =>
            !logits.AsSpan(i * width, width).SequenceEqual(logits.AsSpan((n + i) * width, width)));
        Assert.True(differing > 3 * n / 4, $"the teacher should score each copy itself; only {differing} of {n} copies differ from their originals");
    }

    [Fact]
    public void A_student_of_the_teachers_width_starts_from_its_mapped_layers()
    {
        var config = ModelDirectory.LoadConfig(_teacher);
        using var job = Job(_folder.File("init"), Student(1, config.HiddenSize, config.NumAttentionHeads) with { IntermediateSize = config.IntermediateSize },
            new DistillationOptions(), epochs: 1);
        using var teacher = TaskModelDirectory.Load(_teacher);
        Assert.StartsWith("from the teacher's layers 1 ", job.Initialization);
        var student = job.Student;
        // uniform map, 1 student layer over 2: student layer 0 <- teacher layer 1
        Assert.Equal(teacher.Encoder.Layers[1].Output.Weight.Value.ToArray(), student.Encoder.Layers[0].Output.Weight.Value.ToArray());
        Assert.Equal(teacher.Encoder.Embeddings.Parameters().First().Value.ToArray(), student.Encoder.Embeddings.Parameters().First().Value.ToArray());
        Assert.Equal(teacher.Head[0].Parameters().First().Value.ToArray(), student.Head[0].Parameters().First().Value.ToArray());
        Assert.NotEqual(teacher.Encoder.Layers[0].Output.Weight.Value.ToArray(), student.Encoder.Layers[0].Output.Weight.Value.ToArray());
    }

    [Fact]
    public void Attention_distillation_refuses_different_head_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Job(_folder.File("heads"), Student(1, 16, heads: 1), new DistillationOptions { AttentionWeight = 1f }));
        Assert.Contains("same number of heads", e.Message);
    }
}
