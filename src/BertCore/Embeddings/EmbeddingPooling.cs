using System.Text.Json;
using System.Text.Json.Nodes;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>How the last hidden state [B, S, H] becomes one sentence vector [B, H] (sentence-transformers' Pooling module).</summary>
public enum PoolingMode
{
    /// <summary>Mean over the non-padding tokens ([CLS] and [SEP] included), as sentence-transformers' <c>pooling_mode_mean_tokens</c>.</summary>
    Mean,
    /// <summary>The last hidden state of [CLS] as it is (no pooler dense layer), <c>pooling_mode_cls_token</c>.</summary>
    Cls,
    /// <summary>Per-dimension maximum over the non-padding tokens, <c>pooling_mode_max_tokens</c>.</summary>
    Max,
}

/// <summary>
/// The pooling and normalization of an embedding model folder, kept in sentence-transformers' files:
/// <c>modules.json</c> (Transformer, Pooling and, when normalized, Normalize modules) and <c>1_Pooling/config.json</c>.
/// sentence-transformers loads a folder written by <see cref="Write"/>; <see cref="Read"/> reads the folders it writes.
/// </summary>
/// <param name="Mode">The pooling.</param>
/// <param name="Normalize">Whether the vectors are scaled to unit L2 norm.</param>
public sealed record EmbeddingPooling(PoolingMode Mode, bool Normalize)
{
    public const string ModulesFile = "modules.json";
    public const string PoolingFolder = "1_Pooling";

    /// <summary>Parses the command-line name: <c>mean</c>, <c>cls</c> or <c>max</c>.</summary>
    /// <exception cref="ArgumentException">Another name.</exception>
    public static PoolingMode ParseMode(string name) => name switch
    {
        "mean" => PoolingMode.Mean,
        "cls" => PoolingMode.Cls,
        "max" => PoolingMode.Max,
        _ => throw new ArgumentException($"unknown pooling '{name}': use mean, cls or max"),
    };

    /// <summary>The command-line name of <paramref name="mode"/>.</summary>
    public static string Name(PoolingMode mode) => mode switch
    {
        PoolingMode.Mean => "mean",
        PoolingMode.Cls => "cls",
        _ => "max",
    };

    /// <summary>The folder's pooling, or null when it has no <c>modules.json</c>.</summary>
    /// <exception cref="InvalidFileException">modules.json or 1_Pooling/config.json is malformed, names no Pooling
    /// module, or turns on no pooling mode or one BertCore does not compute (mean_sqrt_len, weighted mean, last token).</exception>
    public static EmbeddingPooling? Read(string dir)
    {
        string modulesPath = Path.Combine(dir, ModulesFile);
        if (!File.Exists(modulesPath)) return null;
        if (JsonFile.Parse(modulesPath) is not JsonArray modules) throw new InvalidFileException(modulesPath, null, "the top level is not a JSON array");
        string? poolingPath = null;
        bool normalize = false;
        foreach (var module in modules)
        {
            string type = (module as JsonObject)?["type"]?.GetValueKind() == JsonValueKind.String ? (string)module!["type"]! : "";
            if (type.EndsWith(".Pooling", StringComparison.Ordinal))
            {
                string path = module!["path"]?.GetValueKind() == JsonValueKind.String ? (string)module["path"]! : "";
                poolingPath = Path.Combine(dir, path, "config.json");
            }
            else if (type.EndsWith(".Normalize", StringComparison.Ordinal)) normalize = true;
        }
        if (poolingPath == null) throw new InvalidFileException(modulesPath, null, "lists no sentence_transformers.models.Pooling module");
        if (!File.Exists(poolingPath)) throw new InvalidFileException(poolingPath, null, $"is missing ({ModulesFile} names it)");
        if (JsonFile.Parse(poolingPath) is not JsonObject config) throw new InvalidFileException(poolingPath, null, "the top level is not a JSON object");
        var on = config.Where(f => f.Key.StartsWith("pooling_mode_", StringComparison.Ordinal) && f.Value?.GetValueKind() == JsonValueKind.True)
            .Select(f => f.Key).ToArray();
        var mode = on switch
        {
            ["pooling_mode_mean_tokens"] => PoolingMode.Mean,
            ["pooling_mode_cls_token"] => PoolingMode.Cls,
            ["pooling_mode_max_tokens"] => PoolingMode.Max,
            [] => throw new InvalidFileException(poolingPath, null, "turns on no pooling_mode_* field"),
            _ => throw new InvalidFileException(poolingPath, null,
                $"turns on {string.Join(", ", on)}; BertCore computes exactly one of pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_max_tokens"),
        };
        return new EmbeddingPooling(mode, normalize);
    }

    /// <summary>Writes modules.json and 1_Pooling/config.json for vectors of <paramref name="dimension"/>, each atomically.</summary>
    public void Write(string dir, int dimension)
    {
        var modules = new JsonArray
        {
            Module(0, "", "Transformer"),
            Module(1, PoolingFolder, "Pooling"),
        };
        if (Normalize) modules.Add(Module(2, "2_Normalize", "Normalize"));
        var config = new JsonObject
        {
            ["word_embedding_dimension"] = dimension,
            ["pooling_mode_cls_token"] = Mode == PoolingMode.Cls,
            ["pooling_mode_mean_tokens"] = Mode == PoolingMode.Mean,
            ["pooling_mode_max_tokens"] = Mode == PoolingMode.Max,
            ["pooling_mode_mean_sqrt_len_tokens"] = false,
            ["pooling_mode_weightedmean_tokens"] = false,
            ["pooling_mode_lasttoken"] = false,
            ["include_prompt"] = true,
        };
        Directory.CreateDirectory(Path.Combine(dir, PoolingFolder));
        if (Normalize) Directory.CreateDirectory(Path.Combine(dir, "2_Normalize"));
        WriteJson(Path.Combine(dir, PoolingFolder, "config.json"), config);
        WriteJson(Path.Combine(dir, ModulesFile), modules);
    }

    private static JsonObject Module(int index, string path, string type) => new()
    {
        ["idx"] = index,
        ["name"] = index.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["path"] = path,
        ["type"] = "sentence_transformers.models." + type,
    };

    private static void WriteJson(string path, JsonNode node) => AtomicFile.Write(path, stream =>
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        node.WriteTo(json);
    });
}
