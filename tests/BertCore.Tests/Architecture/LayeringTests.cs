using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Architecture;

/// <summary>
/// The folders of src/BertCore form layers without cycles (docs/architecture.md): each folder uses only the
/// folders below it that <see cref="Layers"/> lists, as read from its sources by <see cref="SourceReferences"/>.
/// </summary>
public class LayeringTests
{
    /// <summary>The layers, lowest first: each folder and the folders it may use (all listed above it).</summary>
    internal static readonly (string Folder, string[] MayUse)[] Layers =
    [
        ("Tensors", []),
        ("Backends", ["Tensors"]),
        ("Autograd", ["Tensors", "Backends"]),
        ("IO", ["Tensors"]),
        ("Text", ["IO"]),
        ("Metrics", []),
        ("Nn", ["Tensors", "Backends", "Autograd", "IO"]),
        ("Optim", ["Tensors", "Backends", "Autograd"]),
        ("Distributed", ["Tensors", "Backends", "Autograd"]),
        ("Checkpoints", ["Tensors", "Autograd", "IO", "Text", "Nn"]),
        ("Data", ["Backends", "IO", "Text", "Nn"]),
        ("Embeddings", ["Tensors", "Backends", "Autograd", "IO", "Text", "Metrics", "Nn", "Checkpoints", "Data"]),
        ("Training", ["Tensors", "Backends", "Autograd", "IO", "Text", "Metrics", "Nn", "Optim", "Distributed", "Checkpoints", "Data", "Embeddings"]),
        ("Inference", ["Tensors", "Backends", "Autograd", "IO", "Text", "Metrics", "Nn", "Optim", "Distributed", "Checkpoints", "Data", "Embeddings", "Training"]),
    ];

    private static readonly Lazy<IReadOnlyList<FolderReference>> References = new(() => SourceReferences.Find(EngineSources()));

    /// <summary>Every .cs file under src/BertCore outside bin/ and obj/, by path relative to it ('/'-separated).</summary>
    internal static Dictionary<string, string> EngineSources()
    {
        string engine = Path.Combine(CliRunner.RepoRoot, "src", "BertCore");
        return Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(engine, f).Replace('\\', '/'))
            .Where(f => SourceReferences.FolderOf(f) is not ("bin" or "obj"))
            .ToDictionary(f => f, f => File.ReadAllText(Path.Combine(engine, f)));
    }

    /// <summary>The references that the layers do not allow, one line each.</summary>
    internal static string[] Violations(IEnumerable<FolderReference> references)
    {
        var mayUse = Layers.ToDictionary(l => l.Folder, l => l.MayUse);
        return references
            .Where(r => !(mayUse.TryGetValue(r.From, out var allowed) && allowed.Contains(r.To)))
            .Select(r => $"src/BertCore/{r.File}: {r.From} → {r.To} ({r.Evidence}); {r.From} may use {(mayUse.TryGetValue(r.From, out var a) ? a.Length > 0 ? string.Join(", ", a) : "no other folder" : "nothing: it is not in the layer table")}")
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    [Fact]
    public void Every_folder_uses_only_the_folders_its_layer_allows()
    {
        var violations = Violations(References.Value);
        Assert.True(violations.Length == 0, $"{violations.Length} references against the layers of docs/architecture.md:\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_table_is_layered_and_names_every_folder_of_the_engine()
    {
        for (int i = 0; i < Layers.Length; i++)
            foreach (string used in Layers[i].MayUse)
                Assert.True(Layers[..i].Any(l => l.Folder == used), $"{Layers[i].Folder} may use {used}, which is not a layer below it");
        var known = Layers.Select(l => l.Folder).ToHashSet();
        var folders = EngineSources().Keys.Select(SourceReferences.FolderOf).Distinct().Order(StringComparer.Ordinal);
        Assert.Empty(folders.Where(f => !known.Contains(f)).Select(f => $"src/BertCore/{f} is not in LayeringTests.Layers: give it a layer and the folders it may use"));
    }
}
