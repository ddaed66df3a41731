using System.Buffers.Binary;
using System.Text;

namespace BertCore.Tests.IO;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on Dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Root = Path.Combine(Path.GetTempPath(), "bertcore-io-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    public string File(string name) => Path.Combine(Root, name);

    /// <summary>Writes a safetensors-like file by hand: the length prefix (the JSON's length unless given), the
    /// JSON and the data bytes.</summary>
    public string Raw(string name, string json, byte[] data, ulong? headerLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(json);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
