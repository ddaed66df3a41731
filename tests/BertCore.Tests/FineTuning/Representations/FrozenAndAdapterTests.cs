using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.Demo;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Adapters;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.FineTuning.Representations;

/// <summary>
/// Training only part of the network: a frozen encoder with cached features (<see cref="FrozenFeatures"/>) and
/// Houlsby adapters (<see cref="AdapterTuning"/>), on the tiny synthetic sentiment task.
/// </summary>
public class FrozenAndAdapterTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SyntheticDataFiles _files;
    private readonly string _vocab;

    public FrozenAndAdapterTests() => (_files, _vocab) = TinyTasks.Write(_folder.Root, classify: 160, ner: 8, qa: 8);

    public void Dispose() => _folder.Dispose();

    private FineTuningJob Job(string output, int seed, FineTuningSetup setup, int maxSteps = 12) =>
        FineTuningJob.Prepare(new CpuBackend(), setup, new FineTunerOptions
        {
            OutputDirectory = _folder.File(output), MaxSteps = maxSteps, BatchSize = 16, LearningRate = 1e-2f, Seed = seed, EvalEvery = 6,
        });

    private FineTuningSetup Frozen(string pooling) => new()
    {
        Task = TaskKind.Classify, TrainFile = _files.ClassifyTrain, DevFile = _files.ClassifyDev, Config = TinyTasks.Config(_vocab), VocabPath = _vocab,
        FreezeEncoder = true, Pooling = Pooling.Parse(pooling), FeatureCacheDirectory = _folder.File("cache"),
    };

    private static Dictionary<string, float[]> Snapshot(TaskNetwork network) => network.Model.Parameters().ToDictionary(p => p.Name, p => p.Value.ToArray());

    [Fact]
    public void A_frozen_encoder_keeps_its_values_bitwise_and_the_head_trains_from_a_cache_that_is_reused_only_when_valid()
    {
        using var job = Job("frozen", 5, Frozen("scalar-mix"));
        var network = (PooledSequenceNetwork)job.Network;
        var cache = network.Cache!;
        Assert.False(cache.FromCache);
        Assert.True(File.Exists(cache.Path));
        var before = Snapshot(network);
        job.Run();

        var encoder = network.Encoder.Parameters().ToHashSet();
        foreach (var p in network.Model.Parameters())
        {
            if (encoder.Contains(p))
            {
                Assert.False(p.Trainable, p.Name);
                Assert.Equal(before[p.Name], p.Value.ToArray());   // bitwise
            }
            else Assert.NotEqual(before[p.Name], p.Value.ToArray());   // classifier and scalar mix train
        }

        // The cache holds what the encoder computes (other batches, so other padding: fp32 rounding only).
        var rows = Enumerable.Range(0, 20).ToArray();
        var batch = job.Tuner.Train.Batch(rows, withTargets: false).Inputs;
        using (var g = new Graph(new CpuBackend()))
        {
            var direct = network.Pooled.Features(g, batch).Features.ToArray();
            Close.RelativeToMax(cache.Lookup(g, batch).ToArray(), direct.ToDouble(), 1e-5, "cached features");
        }

        // The same model, data and pooling read the file; another encoder (another seed) or pooling do not.
        using (var again = Job("again", 5, Frozen("scalar-mix")))
        {
            var reused = ((PooledSequenceNetwork)again.Network).Cache!;
            Assert.True(reused.FromCache);
            Assert.Equal(cache.Path, reused.Path);
        }
        using (var otherModel = Job("other-model", 6, Frozen("scalar-mix")))
            Assert.False(((PooledSequenceNetwork)otherModel.Network).Cache!.FromCache);
        using (var otherPooling = Job("other-pooling", 5, Frozen("mean")))
            Assert.False(((PooledSequenceNetwork)otherPooling.Network).Cache!.FromCache);
        Assert.Equal(3, Directory.GetFiles(_folder.File("cache")).Length);
    }

    [Fact]
    public void The_saved_frozen_model_runs_the_encoder_and_scores_what_training_scored_from_the_cache()
    {
        using var job = Job("frozen", 5, Frozen("cls"));
        var result = job.Run();
        using var model = TaskModel.Load(_folder.File("frozen"));
        Assert.Equal("cls", model.Spec.Pooling?.ToString());
        Assert.Equal(result.Best!.Scores["accuracy"], model.Evaluate(_files.ClassifyDev)["accuracy"]);
    }

    [Fact]
    public void Adapters_start_as_the_base_model_train_alone_and_load_back_onto_it()
    {
        // The base: a classify model saved without adapters.
        string baseDir = _folder.File("base");
        var spec = TaskSpec.Create(TaskKind.Classify, new LabelVocabulary(["0", "1"]), 128);
        using (var baseNetwork = TaskNetwork.Create(spec, TinyTasks.Config(_vocab)))
        {
            baseNetwork.Initialize(3);
            TaskModelDirectory.Save(baseDir, baseNetwork, _vocab);
        }
        using var job = Job("adapters", 5, new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = _files.ClassifyTrain, ModelDirectory = baseDir, AdapterSize = 4,
        });
        var network = job.Network;
        var train = job.Tuner.Train;
        float[][] Logits(TaskNetwork n)
        {
            using var g = new Graph(new CpuBackend());
            return TaskRunner.Run(g, n, train, 32).Logits.ToArray();
        }

        // Zero up-projections: the adapter model computes exactly what the base computes.
        using (var baseModel = TaskModel.Load(baseDir))
            Assert.Equal(baseModel.Run(train).Logits, Logits(network));

        var before = Snapshot(network);
        job.Run();
        var adapters = AdapterTuning.AdapterParameters(network).ToHashSet();
        Assert.Equal(network.Encoder.Layers.Count * 8, adapters.Count);   // 2 adapters × (down, up) × (weight, bias) per layer
        var trained = network.Model.Parameters().Where(p => AdapterTuning.IsTrained(network, p)).ToArray();
        foreach (var p in network.Model.Parameters())
        {
            Assert.Equal(AdapterTuning.IsTrained(network, p), p.Trainable);
            if (!p.Trainable) Assert.Equal(before[p.Name], p.Value.ToArray());   // bitwise
        }
        Assert.All(adapters, p => Assert.NotEqual(before[p.Name], p.Value.ToArray()));
        Assert.Contains(trained, p => p.Name == "classifier.weight");
        Assert.DoesNotContain(trained, p => p.Name.Contains("attention.self.query", StringComparison.Ordinal));

        // Only the trained parameters are saved; the spec names the base; loading onto it predicts the same.
        string output = _folder.File("adapters");
        Assert.False(File.Exists(Path.Combine(output, ModelDirectory.WeightsFile)));
        using (var file = SafeTensorsFile.Open(Path.Combine(output, AdapterTuning.FileName)))
            Assert.Equal(trained.Select(p => p.Name).Order(), file.Names.Order());
        using var loaded = TaskModel.Load(output);
        Assert.Equal(Path.GetFullPath(baseDir), loaded.Spec.BaseModel);
        Assert.Equal(4, loaded.Spec.AdapterSize);
        Assert.Equal(Logits(network), loaded.Run(train).Logits);
    }
}
