using BertCore.IO;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void WritesAndReplacesLeavingNoTemporaryFile()
    {
        using var dir = new TempFolder();
        string path = dir.File("out.bin");
        AtomicFile.Write(path, s => s.Write([1, 2, 3]));
        AtomicFile.Write(path, s => s.Write([4, 5]));
        Assert.Equal([4, 5], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Root));
    }

    [Fact]
    public void AFailureMidwayLeavesTheTargetUntouched()
    {
        using var dir = new TempFolder();
        string path = dir.File("out.bin");
        File.WriteAllBytes(path, [9, 9, 9]);

        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write(new byte[100_000]);
            throw new IOException("disk on fire");
        }));

        Assert.Equal("disk on fire", e.Message);
        Assert.Equal([9, 9, 9], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Root));
    }

    [Fact]
    public void ASafeTensorsWriteWhoseEnumeratorThrowsLeavesTheTargetUntouched()
    {
        using var dir = new TempFolder();
        string path = dir.File("model.safetensors");
        using var t = Tensor.FromArray([1f, 2f], 2);
        SafeTensorsWriter.Write(path, [new("old", t)]);
        byte[] before = File.ReadAllBytes(path);

        IEnumerable<KeyValuePair<string, Tensor>> Failing()
        {
            yield return new("new", t);
            throw new InvalidOperationException("enumerator failed");
        }

        Assert.Throws<InvalidOperationException>(() => SafeTensorsWriter.Write(path, Failing()));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(dir.Root));
    }
}
