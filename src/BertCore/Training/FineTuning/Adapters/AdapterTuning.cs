using BertCore.Autograd;
using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Nn.Adapters;

namespace BertCore.Training.FineTuning.Adapters;

/// <summary>
/// Adapter tuning (Houlsby et al. 2019): <see cref="BottleneckAdapter"/>s in every encoder layer
/// (<see cref="Nn.Bert.BertLayer.AddAdapters"/>); only the adapters, every LayerNorm, the pooler and the task head
/// train, and only they are saved — <see cref="FileName"/> next to config.json and bertcore_task.json, whose
/// <c>base_model</c> names the folder of the base checkpoint the rest is read from.
/// </summary>
public static class AdapterTuning
{
    /// <summary>The trained parameters of an adapter-tuned model folder (safetensors, Hugging Face names).</summary>
    public const string FileName = "adapters.safetensors";

    /// <summary>Adds adapters of bottleneck <paramref name="size"/> to every layer of the network's encoder (zero-filled:
    /// initialize or load them) and freezes every parameter that <see cref="IsTrained"/> rejects.</summary>
    public static void Apply(TaskNetwork network, int size)
    {
        foreach (var layer in network.Encoder.Layers) layer.AddAdapters(size);
        var trained = Trained(network);
        foreach (var p in network.Model.Parameters()) p.Trainable = trained.Contains(p);
    }

    /// <summary>Whether an adapter-tuned network trains (and saves) <paramref name="p"/>: adapters, LayerNorms,
    /// the pooler and everything outside the encoder.</summary>
    public static bool IsTrained(TaskNetwork network, Parameter p) => Trained(network).Contains(p);

    /// <summary>The adapter parameters of the network's encoder.</summary>
    public static IEnumerable<Parameter> AdapterParameters(TaskNetwork network) =>
        network.Encoder.Layers.SelectMany(l => new[] { l.AttentionAdapter, l.OutputAdapter }).OfType<BottleneckAdapter>().SelectMany(a => a.Parameters());

    private static HashSet<Parameter> Trained(TaskNetwork network)
    {
        var encoder = network.Encoder;
        var trained = new HashSet<Parameter>(AdapterParameters(network));
        trained.UnionWith(encoder.Embeddings.Norm.Parameters());
        foreach (var layer in encoder.Layers)
        {
            trained.UnionWith(layer.AttentionNorm.Parameters());
            trained.UnionWith(layer.OutputNorm.Parameters());
        }
        if (encoder.FinalNorm != null) trained.UnionWith(encoder.FinalNorm.Parameters());
        if (encoder.Pooler != null) trained.UnionWith(encoder.Pooler.Parameters());
        var inEncoder = encoder.Parameters().ToHashSet();
        trained.UnionWith(network.Model.Parameters().Where(p => !inEncoder.Contains(p)));
        return trained;
    }

    /// <summary>Writes config.json, <see cref="FileName"/> (the trained parameters only) and a copy of vocab.txt
    /// (when given), each atomically.</summary>
    public static void Save(string dir, TaskNetwork network, string? vocabSource)
    {
        Directory.CreateDirectory(dir);
        network.Config.Save(Path.Combine(dir, ModelDirectory.ConfigFile));
        Checkpoint.SaveWeights(network.Model, Path.Combine(dir, FileName), Trained(network).Contains);
        string vocab = Path.Combine(dir, ModelDirectory.VocabFile);
        if (vocabSource != null && Path.GetFullPath(vocabSource) != Path.GetFullPath(vocab))
            AtomicFile.Write(vocab, s => { using var source = File.OpenRead(vocabSource); source.CopyTo(s); });
    }

    /// <summary>
    /// Fills an adapter network (<see cref="Apply"/> done): its encoder from the base checkpoint named by the spec's
    /// <see cref="TaskSpec.BaseModel"/> (any head there is ignored), then every trained parameter from <paramref name="dir"/>'s <see cref="FileName"/>.
    /// </summary>
    /// <exception cref="InvalidFileException">The base model lacks an encoder tensor, or the adapters file lacks a trained parameter.</exception>
    public static void Load(TaskNetwork network, string dir)
    {
        string baseModel = network.Spec.BaseModel ?? throw new InvalidFileException(Path.Combine(dir, TaskSpec.FileName), null, "names adapters but no base_model");
        var trained = Trained(network);
        var fromBase = Checkpoint.LoadWeights(network.Encoder, ModelDirectory.WeightsPath(baseModel), allowMissingEncoder: true);   // the head is trained
        var notInBase = fromBase.Missing.Where(n => n.StartsWith("bert.", StringComparison.Ordinal) && !trained.Any(p => p.Name == n)).ToArray();
        if (notInBase.Length > 0)
            throw new InvalidFileException(ModelDirectory.WeightsPath(baseModel), null,
                $"the base model lacks {notInBase.Length} encoder tensors, e.g. {string.Join(", ", notInBase.Take(3))}");
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing from the adapter model folder", path);
        var adapters = Checkpoint.LoadWeights(network.Model, path, allowMissingEncoder: true);
        var missing = trained.Select(p => p.Name).Except(adapters.Loaded).ToArray();
        if (missing.Length > 0)
            throw new InvalidFileException(path, null, $"lacks {missing.Length} trained parameters, e.g. {string.Join(", ", missing.Take(3))}");
    }
}
