using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Training.FineTuning.Adapters;

namespace BertCore.Training.FineTuning;

/// <summary>What <see cref="TaskModelDirectory.LoadPretrained"/> took from a checkpoint.</summary>
/// <param name="EncoderTensors">Encoder parameters loaded (embeddings, layers and the pooler when present).</param>
/// <param name="FreshPooler">The checkpoint had no pooler; it keeps its initialization.</param>
/// <param name="HeadLoaded">The task head was loaded too (a checkpoint of the same task, labels and shapes).</param>
/// <param name="Unused">Checkpoint tensors the network has no place for (e.g. the pretraining heads).</param>
public sealed record PretrainedLoad(int EncoderTensors, bool FreshPooler, bool HeadLoaded, IReadOnlyList<string> Unused)
{
    public override string ToString() =>
        $"{EncoderTensors} encoder tensors loaded{(FreshPooler ? ", pooler new" : "")}, task head {(HeadLoaded ? "loaded" : "new")}" +
        (Unused.Count > 0 ? $", {Unused.Count} checkpoint tensors unused ({string.Join(", ", Unused.Take(3))}{(Unused.Count > 3 ? ", ..." : "")})" : "");
}

/// <summary>
/// A fine-tuned model folder in Hugging Face layout: config.json (with num_labels, id2label / label2id,
/// problem_type and architectures), model.safetensors, vocab.txt, tokenizer_config.json (do_lower_case), plus
/// <see cref="TaskSpec.FileName"/> with the task and its input lengths; a similarity model (a BertModel) adds
/// sentence-transformers' modules.json and 1_Pooling/config.json. transformers loads it as the task's
/// BertFor* class; <see cref="Load"/> loads it back, and also reads a Hugging Face task folder without the spec.
/// </summary>
public static class TaskModelDirectory
{
    /// <summary>Writes every file of the folder, each atomically (an adapter-tuned network writes its trained
    /// parameters only, <see cref="AdapterTuning.Save"/>).</summary>
    /// <param name="vocabSource">The vocab.txt to copy in (null: none is written).</param>
    public static void Save(string dir, TaskNetwork network, string? vocabSource)
    {
        if (network.Spec.AdapterSize > 0) AdapterTuning.Save(dir, network, vocabSource);
        else ModelDirectory.Save(dir, network.Model, network.Config, vocabSource);
        network.Spec.Save(dir);
        network.Spec.Embedding?.Write(dir, network.Config.HiddenSize);
        TokenizerConfig.Save(dir, network.Spec.Lowercase, network.Config.MaxPositionEmbeddings);
    }

    /// <summary>The network and spec of a fine-tuned folder; every parameter must be in the weights file.</summary>
    /// <exception cref="InvalidFileException">A file is malformed, or a parameter is missing or has another shape.</exception>
    public static TaskNetwork Load(string dir)
    {
        var config = ModelDirectory.LoadConfig(dir);
        var spec = TaskSpec.Load(dir, config);
        var network = TaskNetwork.Create(spec, config);
        try
        {
            if (spec.AdapterSize > 0)
            {
                AdapterTuning.Load(network, dir);
                return network;
            }
            var weights = ModelDirectory.WeightsPath(dir);
            var report = Checkpoint.LoadWeights(network.Model, weights);
            if (report.Missing.Count > 0)
                throw new InvalidFileException(weights, null, $"lacks {report.Missing.Count} parameters of the {spec.Task.Architecture()} model, e.g. {string.Join(", ", report.Missing.Take(3))}");
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Fills <paramref name="network"/> (already initialized) from the checkpoint folder <paramref name="dir"/>, a
    /// BertCore or Hugging Face model of any head: the encoder must be complete (the pooler may be missing); the
    /// task head is loaded only when the checkpoint is a model of the same task with the same labels in the same
    /// order and the same shapes, so a pretrained model gets a new head.
    /// </summary>
    /// <exception cref="InvalidFileException">An encoder tensor is missing or has another shape.</exception>
    public static PretrainedLoad LoadPretrained(TaskNetwork network, string dir)
    {
        var source = ModelDirectory.LoadConfig(dir);
        var weights = ModelDirectory.WeightsPath(dir);
        var encoder = Checkpoint.LoadWeights(network.Encoder, weights, allowMissingEncoder: true);
        var pooler = network.Encoder.Pooler?.Parameters().Select(p => p.Name).ToHashSet() ?? [];
        var adapters = AdapterTuning.AdapterParameters(network).Select(p => p.Name).ToHashSet();
        var missing = encoder.Missing.Where(n => !pooler.Contains(n) && !adapters.Contains(n)).ToArray();
        if (missing.Length > 0)
            throw new InvalidFileException(weights, null, $"{missing.Length} encoder tensors are missing, e.g. {string.Join(", ", missing.Take(3))}");
        bool headLoaded = SameTask(network, source) && HasHead(network, weights);
        var headNames = new HashSet<string>();
        if (headLoaded)
            foreach (var module in network.Head)
                headNames.UnionWith(Checkpoint.LoadWeights(module, weights).Loaded);
        var unused = encoder.Unused.Where(k => !headNames.Contains(k)).ToArray();
        return new PretrainedLoad(encoder.Loaded.Count, encoder.Missing.Any(pooler.Contains), headLoaded, unused);
    }

    /// <summary>Whether <paramref name="source"/> describes a model of the network's task and labels.</summary>
    private static bool SameTask(TaskNetwork network, BertConfig source)
    {
        var spec = network.Spec;
        if (!(source.Architectures ?? []).Contains(spec.Task.Architecture()) || source.NumLabels != spec.NumLabels) return false;
        if (spec.Task == TaskKind.Regress) return source.ProblemType == "regression";
        if (spec.Labels is null) return true;
        return source.Id2Label is { } id2Label && Enumerable.Range(0, spec.Labels.Count)
            .All(i => id2Label.TryGetValue(i, out var label) && label == spec.Labels[i]);
    }

    /// <summary>Whether the weights file has every head parameter with the network's shape.</summary>
    private static bool HasHead(TaskNetwork network, string weights)
    {
        using var file = WeightFile.Open(weights);
        return network.Head.SelectMany(m => m.Parameters())
            .All(p => file.Contains(p.Name) && file.Info(p.Name).Shape.SequenceEqual(p.Shape.ToArray()));
    }
}
