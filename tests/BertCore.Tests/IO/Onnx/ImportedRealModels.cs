using BertCore.Checkpoints;
using BertCore.IO;
using BertCore.Tests.Support;

namespace BertCore.Tests.IO.Onnx;

/// <summary>The real models (<see cref="RealModels"/>) imported once per test run into a temporary folder, on first use.</summary>
public sealed class ImportedRealModels : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly Dictionary<string, (string Folder, ImportResult Result)> _imported = new();

    /// <summary>The ONNX file of the real model <paramref name="name"/>.</summary>
    public static string Source(string name) => Path.Combine(RealModels.Folder(name), "model.onnx");

    /// <summary>The model folder imported from <paramref name="name"/>'s ONNX file, and what the import reported.</summary>
    public (string Folder, ImportResult Result) Get(string name)
    {
        lock (_imported)
        {
            if (!_imported.TryGetValue(name, out var imported))
            {
                string folder = _temp.File(name);
                _imported[name] = imported = (folder, ModelImport.FromOnnx(Source(name), folder));
            }
            return imported;
        }
    }

    public void Dispose() => _temp.Dispose();
}
