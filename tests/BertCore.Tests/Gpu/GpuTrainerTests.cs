using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Gpu;
using BertCore.Checkpoints;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Tests.Training;
using BertCore.Training;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// The library's training and inference paths on the GPU backend (simulator): <see cref="FineTuner"/>,
/// <see cref="Pretrainer"/> with checkpoint and resume, <see cref="DistillationJob"/> (teacher and student) and
/// <see cref="TaskModel"/> move the model into device memory
/// (<see cref="IBackend.Adopt"/>), give the CPU backend's losses and predictions, and save folders that load back on
/// the CPU with exactly the device's values. Shapes are tiny: the simulator takes seconds per step.
/// Loss bounds are those of <see cref="GpuTrainingTests"/>: 1e-4 absolute (the backends differ only in fp32 summation
/// order, ~1e-6 relative per op, over a few steps).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuTrainerTests(SimulatorFixture fixture) : IDisposable
{
    private const double LossTolerance = 1e-4;
    private readonly GpuBackend _gpu = fixture.Backend;
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Every parameter's values, read through the backend that holds them.</summary>
    private static Dictionary<string, float[]> Values(IBackend backend, Module model) => model.Parameters().ToDictionary(p => p.Name, p =>
    {
        var host = new float[p.Value.Count];
        backend.Download(p.Value, host);
        return host;
    });

    /// <summary>The same values, read from a model folder on the CPU: a saved folder is a byte copy of the device.</summary>
    private static void AssertSavedExactly(Dictionary<string, float[]> device, Module loaded)
    {
        var saved = Values(new CpuBackend(1), loaded);
        Assert.Equal(device.Keys.Order(), saved.Keys.Order());
        foreach (var (name, values) in device) Assert.True(values.AsSpan().SequenceEqual(saved[name]), $"{name} differs in the saved folder");
    }

    private static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, string what)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= LossTolerance, $"{what} {i + 1}: CPU {expected[i]}, GPU {actual[i]}");
    }

    private (string Train, string Vocab, BertConfig Config) TinyClassification()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 16, ner: 4, qa: 4);
        var config = new BertConfig
        {
            VocabSize = BertCore.Text.Vocabulary.Load(vocab).Count, HiddenSize = 16, NumHiddenLayers = 1, NumAttentionHeads = 2,
            IntermediateSize = 32, MaxPositionEmbeddings = 16,
        };
        return (files.ClassifyTrain, vocab, config);
    }

    /// <summary>Two fine-tuning steps (dropout on) and one dev evaluation that saves the checkpoint published as the model.</summary>
    private (List<double> Losses, double DevLoss, Dictionary<string, float[]> Values) FineTune(IBackend backend, string output)
    {
        var (train, vocab, config) = TinyClassification();
        using var job = FineTuningJob.Prepare(backend, new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = train, DevFile = train, MaxTrainExamples = 8, MaxDevExamples = 2, MaxSequenceLength = 12,
            Config = config, VocabPath = vocab,
        }, new FineTunerOptions { OutputDirectory = output, MaxSteps = 2, EvalEvery = 2, BatchSize = 4, LearningRate = 1e-3f, Seed = 3 });
        var losses = new List<double>();
        job.Tuner.StepCompleted += p => losses.Add(p.Loss);
        var result = job.Run();
        Assert.Equal(2, result.Best!.Step);
        return (losses, result.Best.Scores.Loss, Values(backend, job.Network.Model));
    }

    [Fact]
    public void Fine_tuning_on_the_gpu_gives_the_cpu_losses_and_saves_the_device_weights()
    {
        var cpu = FineTune(new CpuBackend(1), _folder.File("cpu"));
        var gpu = FineTune(_gpu, _folder.File("gpu"));

        AssertClose(cpu.Losses, gpu.Losses, "training loss of step");
        AssertClose([cpu.DevLoss], [gpu.DevLoss], "dev loss");
        Assert.NotEqual(cpu.Losses[0], cpu.Losses[^1]);
        using var saved = TaskModelDirectory.Load(_folder.File("gpu"));
        AssertSavedExactly(gpu.Values, saved.Model);
    }

    /// <summary>Two distillation steps from a teacher folder: cached teacher logits plus the hidden-state and attention
    /// losses, which run the teacher on the backend at every step.</summary>
    private List<double> Distill(IBackend backend, string teacher, string output)
    {
        var (train, _, config) = TinyClassification();
        using var job = DistillationJob.Prepare(backend, new DistillationSetup
        {
            Task = TaskKind.Classify, TeacherDirectory = teacher, StudentConfig = config, TrainFile = train, MaxTrainExamples = 8,
            CacheDirectory = Path.Combine(output, "cache"),
        }, new FineTunerOptions { OutputDirectory = output, MaxSteps = 2, BatchSize = 4, LearningRate = 1e-3f, Seed = 3 },
            new DistillationOptions { Alpha = 0.5f, Temperature = 2f, HiddenWeight = 1f, AttentionWeight = 1f });
        var losses = new List<double>();
        job.Tuner.StepCompleted += p => losses.Add(p.Loss);
        job.Run();
        return losses;
    }

    [Fact]
    public void Distillation_on_the_gpu_gives_the_cpu_losses()
    {
        string teacher = _folder.File("teacher");
        FineTune(new CpuBackend(1), teacher);
        var cpu = Distill(new CpuBackend(1), teacher, _folder.File("cpu-student"));
        var gpu = Distill(_gpu, teacher, _folder.File("gpu-student"));
        AssertClose(cpu, gpu, "distillation loss of step");
        Assert.Equal(2, gpu.Count);
    }

    [Fact]
    public void Task_model_predicts_on_the_gpu_what_it_predicts_on_the_cpu()
    {
        var (train, vocab, config) = TinyClassification();
        var spec = TaskSpec.Create(TaskKind.Classify, TaskFile.Read(train, TaskKind.Classify).Labels(), 12);
        string dir = _folder.File("model");
        using (var network = TaskNetwork.Create(spec, config))
        {
            network.Initialize(4);
            TaskModelDirectory.Save(dir, network, vocab);
        }
        (string, string?)[] inputs = [.. File.ReadLines(train).Skip(1).Take(5).Select(l => (l.Split('\t')[0], (string?)null))];

        using var onCpu = TaskModel.Load(dir, new CpuBackend(1));
        using var onGpu = TaskModel.Load(dir, _gpu);
        var expected = onCpu.Classify(inputs);
        var actual = onGpu.Classify(inputs);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.Equal(expected[i].Label, actual[i].Label);
            // A probability: the logits agree to ~1e-6 relative, so 1e-5 absolute is ample.
            Assert.True(Math.Abs(expected[i].Score - actual[i].Score) <= 1e-5, $"input {i}: CPU {expected[i].Score}, GPU {actual[i].Score}");
        }
    }

    private static BertConfig PretrainingConfig() => new()
    {
        VocabSize = TinyPretraining.Vocab, HiddenSize = 16, NumHiddenLayers = 1, NumAttentionHeads = 2, IntermediateSize = 32,
        MaxPositionEmbeddings = TinyPretraining.Sequence,
    };

    private static PretrainerOptions PretrainingOptions(string output) => new()
    {
        MaxSteps = 2, OutputDirectory = output, LearningRate = 2e-3f, WarmupSteps = 1, SaveEvery = 1, Seed = 11,
    };

    private static List<double> Losses(string output) => MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile)).Select(r => r.Loss).ToList();

    /// <summary>MLM distillation (`pretrain --teacher`): the trainer places the objective's teacher on the backend with the student.</summary>
    [Fact]
    public void Mlm_distillation_on_the_gpu_gives_the_cpu_losses()
    {
        List<double> Run(IBackend backend, string output)
        {
            using var distillation = new MlmDistillation(PretrainingModel.New(PretrainingConfig(), relationHead: false, seed: 9), 0.5f, 2f);
            using var model = PretrainingModel.New(PretrainingConfig(), relationHead: false, seed: 5);
            using var trainer = new Pretrainer(backend, model, PretrainingOptions(output), TinyPretraining.Source(21, batch: 2),
                objective: distillation);
            Assert.True(trainer.Run().Completed);
            return Losses(output);
        }

        var cpu = Run(new CpuBackend(1), _folder.File("cpu-mlm"));
        AssertClose(cpu, Run(_gpu, _folder.File("gpu-mlm")), "MLM distillation loss of step");
        Assert.Equal(2, cpu.Count);
    }

    [Fact]
    public void Pretraining_on_the_gpu_resumes_from_its_checkpoint_with_the_cpu_losses()
    {
        string cpuOutput = _folder.File("cpu"), gpuOutput = _folder.File("gpu");
        using (var model = PretrainingModel.New(PretrainingConfig(), relationHead: false, seed: 5))
        using (var trainer = new Pretrainer(new CpuBackend(1), model, PretrainingOptions(cpuOutput), TinyPretraining.Source(21, batch: 2)))
            Assert.True(trainer.Run().Completed);

        using (var model = PretrainingModel.New(PretrainingConfig(), relationHead: false, seed: 5))
        using (var trainer = new Pretrainer(_gpu, model, PretrainingOptions(gpuOutput), TinyPretraining.Source(21, batch: 2)))
        using (var stop = new CancellationTokenSource())
        {
            trainer.StepCompleted += p => { if (p.Step == 1) stop.Cancel(); };
            Assert.False(trainer.Run(stop.Token).Completed);
        }
        Dictionary<string, float[]> device;
        // A different initialization: the weights and moments must come from the checkpoint, loaded onto the device.
        using (var model = PretrainingModel.New(PretrainingConfig(), relationHead: false, seed: 1234))
        using (var trainer = new Pretrainer(_gpu, model, PretrainingOptions(gpuOutput), TinyPretraining.Source(21, batch: 2)))
        {
            trainer.Resume(PretrainingCheckpoint.Latest(gpuOutput)!);
            Assert.Equal(1, trainer.Step);
            Assert.True(trainer.Run().Completed);
            device = Values(_gpu, model);
        }

        AssertClose(Losses(cpuOutput), Losses(gpuOutput), "loss of step");
        using var saved = ModelDirectory.LoadPreTraining(gpuOutput);
        AssertSavedExactly(device, saved);
    }
}
