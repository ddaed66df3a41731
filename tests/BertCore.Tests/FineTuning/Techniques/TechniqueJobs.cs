using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Demo;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Training;
using BertCore.Training.FineTuning;

namespace BertCore.Tests.FineTuning.Techniques;

/// <summary>Tiny fine-tuning jobs (the synthetic tasks of <see cref="TinyTasks"/>, a 2-layer model of width 32) for
/// the technique tests, and a pretrained-style model folder with an MLM head.</summary>
internal sealed class TechniqueJobs : IDisposable
{
    public TechniqueJobs()
    {
        (Files, Vocab) = TinyTasks.Write(Folder.Root);
    }

    public TempFolder Folder { get; } = new();
    public SyntheticDataFiles Files { get; }
    public string Vocab { get; }

    /// <summary>A classification job over a fresh model (initialized from the options' seed), or over <paramref name="modelDirectory"/>.</summary>
    public FineTuningJob Classify(FineTunerOptions options, string? modelDirectory = null, int augment = 0, TaskKind task = TaskKind.Classify) =>
        FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = task, TrainFile = task == TaskKind.Ner ? Files.NerTrain : Files.ClassifyTrain, DevFile = task == TaskKind.Ner ? Files.NerDev : Files.ClassifyDev,
            ModelDirectory = modelDirectory, Config = modelDirectory == null ? TinyTasks.Config(Vocab) : null, VocabPath = Vocab, Augment = augment,
        }, options);

    /// <summary>A BertForPreTraining folder (MLM head, no NSP head) of the tiny configuration, initialized from <paramref name="seed"/>.</summary>
    public string PretrainedFolder(int seed)
    {
        string dir = Folder.File($"pretrained-{seed}");
        using var model = PretrainingModel.New(TinyTasks.Config(Vocab), relationHead: false, seed);
        ModelDirectory.Save(dir, model, model.Config, Vocab);
        return dir;
    }

    /// <summary>A copy of every parameter's values, by name.</summary>
    public static Dictionary<string, float[]> Snapshot(FineTuningJob job) =>
        job.Network.Model.Parameters().ToDictionary(p => p.Name, p => p.Value.Span.ToArray());

    public void Dispose() => Folder.Dispose();
}
