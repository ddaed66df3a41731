using BertCore.IO;

namespace BertCore.Tests.Fuzzing;

/// <summary>
/// Every parser of user files under fuzzing. Adding one is one entry in <see cref="All"/>: a name, the file name
/// cases are written to, seed files, the public entry point, and the exceptions it documents.
/// </summary>
internal static partial class FuzzTargets
{
    private static readonly Type[] InvalidFile = [typeof(InvalidFileException)];

    /// <summary>The targets, by name.</summary>
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        SafeTensors, Config, TokenizerConfigFile, Vocab, Tokenizer, CheckpointWeights, PreMaskedBatches, TrainerStateFile,
        Tsv, TsvScores, Csv, SequenceJsonl, Conll, Squad,
        CorpusText, CorpusJsonl, TokenCacheFile, Importance, Metrics, MultiTask, Features, Onnx, PyTorchBin,
    ];

    /// <summary>The target named <paramref name="name"/>.</summary>
    public static FuzzTarget Named(string name) =>
        All.FirstOrDefault(t => t.Name == name)
        ?? throw new ArgumentException($"no fuzz target '{name}'; the targets are {string.Join(", ", All.Select(t => t.Name))}", nameof(name));
}
