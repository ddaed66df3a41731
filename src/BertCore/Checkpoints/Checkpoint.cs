using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn;

namespace BertCore.Checkpoints;

/// <summary>What <see cref="Checkpoint.LoadWeights"/> did with each tensor.</summary>
public sealed class LoadReport
{
    /// <summary>Model parameters filled from the file.</summary>
    public List<string> Loaded { get; } = new();
    /// <summary>Model parameters the file lacks (left as initialized, e.g. a new task head).</summary>
    public List<string> Missing { get; } = new();
    /// <summary>File tensors the model has no place for (e.g. a pretraining head when fine-tuning).</summary>
    public List<string> Unused { get; } = new();

    public override string ToString() =>
        $"{Loaded.Count} loaded, {Missing.Count} missing ({string.Join(", ", Missing.Take(5))}{(Missing.Count > 5 ? ", ..." : "")}), {Unused.Count} unused";
}

/// <summary>
/// Hugging Face weight files: maps file keys to model parameter names (with or without the "bert." prefix of
/// task models, old LayerNorm "gamma"/"beta" names, tied decoder keys) and writes models in HF layout.
/// </summary>
public static class Checkpoint
{
    /// <summary>
    /// Fills the model's parameters from a weights file: safetensors or a PyTorch state dict (see
    /// <see cref="WeightFile.Open"/>). Encoder parameters ("bert.*") must all be present
    /// unless <paramref name="allowMissingEncoder"/> is set; head parameters may be missing (reported). Shape
    /// and type mismatches are errors naming the tensor.
    /// </summary>
    /// <exception cref="InvalidFileException">The file is not valid safetensors, a tensor's shape or stored type does
    /// not fit its parameter, two tensors fill one parameter, or encoder tensors are missing.</exception>
    public static LoadReport LoadWeights(Module model, string path, bool allowMissingEncoder = false)
    {
        using var file = WeightFile.Open(path);
        var byName = model.Parameters().ToDictionary(p => p.Name);
        var report = new LoadReport();
        var filled = new HashSet<string>();
        foreach (var key in file.Names)
        {
            var name = ModelName(key, byName);
            if (name == null)
            {
                if (!IsTiedOrBuffer(key)) report.Unused.Add(key);
                continue;
            }
            var p = byName[name];
            var info = file.Info(key);
            if (!info.Shape.SequenceEqual(p.Shape.ToArray()))
                throw new InvalidFileException(path, null,
                    $"tensor '{key}' has shape [{string.Join(", ", info.Shape)}] but the model's {name} is {p.Shape}");
            if (SafeTensorsDTypes.LoadsAs(info.DType) != p.Value.DType)
                throw new InvalidFileException(path, null,
                    $"tensor '{key}' is stored as {info.DType}, which does not load as the model's {p.Value.DType} {name} (it reads {SafeTensorsDTypes.Loadable})");
            if (!filled.Add(name)) throw new InvalidFileException(path, null, $"two tensors map to parameter {name} (second: '{key}')");
            file.ReadInto(key, p.Value);
            report.Loaded.Add(name);
        }
        foreach (var p in byName.Values)
            if (!filled.Contains(p.Name)) report.Missing.Add(p.Name);
        var missingEncoder = report.Missing.Where(n => n.StartsWith("bert.", StringComparison.Ordinal)).ToArray();
        if (missingEncoder.Length > 0 && !allowMissingEncoder)
            throw new InvalidFileException(path, null,
                $"{missingEncoder.Length} encoder tensors are missing, e.g. {string.Join(", ", missingEncoder.Take(3))}");
        return report;
    }

    /// <summary>Writes every parameter under its Hugging Face name (tied decoder weights are not repeated,
    /// as transformers does), atomically.</summary>
    public static void SaveWeights(Module model, string path, Func<Parameter, bool>? include = null) =>
        SafeTensorsWriter.Write(path,
            model.Parameters().Where(p => include?.Invoke(p) ?? true).Select(p => KeyValuePair.Create(p.Name, p.Value)),
            new Dictionary<string, string> { ["format"] = "pt" });

    /// <summary>The model parameter a file key fills, or null.</summary>
    private static string? ModelName(string key, IReadOnlyDictionary<string, Parameter> parameters)
    {
        foreach (var candidate in Candidates(key))
            if (parameters.ContainsKey(candidate)) return candidate;
        return null;
    }

    private static IEnumerable<string> Candidates(string key)
    {
        var modern = key.EndsWith(".gamma", StringComparison.Ordinal) ? key[..^6] + ".weight"
            : key.EndsWith(".beta", StringComparison.Ordinal) ? key[..^5] + ".bias"
            : key;
        yield return modern;
        yield return "bert." + modern;   // a bare BertModel file has no "bert." prefix
    }

    /// <summary>Keys HF writes that are not parameters of their own: tied decoder weights, position-id buffers.</summary>
    internal static bool IsTiedOrBuffer(string key) =>
        key is "cls.predictions.decoder.weight" or "cls.predictions.decoder.bias"
        || key.EndsWith("position_ids", StringComparison.Ordinal);
}
