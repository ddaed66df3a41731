using BertCore.IO;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.IO;

public class SafeTensorsRoundTripTests
{
    private static int[] Bits(Tensor t) => t.ToArray().Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void WrittenTensorsReadBackBitwiseEqual()
    {
        using var dir = new TempFolder();
        float[] tricky = [0f, -0f, 1.5f, float.Epsilon, -float.MaxValue, float.PositiveInfinity,
            BitConverter.Int32BitsToSingle(0x7FC00123), 3.14159265f];
        using var weights = Tensor.FromArray(tricky, 2, 4);
        using var scalar = Tensor.FromArray([42.5f]);
        using var ids = Tensor.FromArray([int.MinValue, -1, 0, 7, int.MaxValue, 3], 1, 1, 2, 3);
        using var empty = Tensor.Zeros(0, 3);
        string path = dir.File("model.safetensors");

        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["w"] = weights, ["s"] = scalar, ["ids"] = ids, ["empty"] = empty,
        }, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü \"quoted\"" });

        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(4, file.Names.Count);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü \"quoted\"" }, file.Metadata);
        using (var w = file.Read("w")) { Assert.Equal(weights.Shape, w.Shape); Assert.Equal(Bits(weights), Bits(w)); }
        using (var s = file.Read("s")) { Assert.Equal(0, s.Shape.Rank); Assert.Equal(42.5f, s.Item()); }
        using (var i = file.Read("ids")) { Assert.Equal(DType.I32, i.DType); Assert.Equal(ids.ToIntArray(), i.ToIntArray()); Assert.Equal(ids.Shape, i.Shape); }
        using (var e = file.Read("empty")) Assert.Equal(new Shape(0, 3), e.Shape);
        Assert.Equal("I32", file.Info("ids").DType);
        Assert.Equal([1, 1, 2, 3], file.Info("ids").Shape);
        Assert.True(file.Contains("w"));
        Assert.False(file.Contains("W"));
    }

    [Fact]
    public void ReadIntoFillsAnExistingTensorWithoutManagedCopies()
    {
        using var dir = new TempFolder();
        var values = Enumerable.Range(0, 1 << 20).Select(i => i * 0.25f).ToArray();  // 4 MB
        using var source = Tensor.FromArray(values, 1024, 1024);
        string path = dir.File("big.safetensors");
        SafeTensorsWriter.Write(path, [new("big", source)]);

        using var file = SafeTensorsFile.Open(path);
        using var destination = Tensor.Zeros(1024, 1024);
        file.ReadInto("big", destination);  // warm up the code paths once
        destination.Span.Clear();
        long before = GC.GetAllocatedBytesForCurrentThread();
        file.ReadInto("big", destination);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 64 * 1024, $"ReadInto allocated {allocated} managed bytes for a 4 MB tensor");
        Assert.Equal(values, destination.ToArray());
    }

    [Fact]
    public void ReadIntoRejectsAWrongShapeOrTypeNamingFileAndTensor()
    {
        using var dir = new TempFolder();
        using var t = Tensor.FromArray([1f, 2f, 3f, 4f, 5f, 6f], 2, 3);
        string path = dir.File("m.safetensors");
        SafeTensorsWriter.Write(path, [new("layer.weight", t)]);
        using var file = SafeTensorsFile.Open(path);

        using var transposed = Tensor.Zeros(3, 2);
        var shape = Assert.Throws<ArgumentException>(() => file.ReadInto("layer.weight", transposed));
        Assert.Contains(path, shape.Message);
        Assert.Contains("'layer.weight' has shape [2, 3]", shape.Message);

        using var ints = Tensor.Zeros(new Shape(2, 3), DType.I32);
        var type = Assert.Throws<ArgumentException>(() => file.ReadInto("layer.weight", ints));
        Assert.Contains("loads as F32", type.Message);

        var missing = Assert.Throws<KeyNotFoundException>(() => file.Read("nope"));
        Assert.Contains(path, missing.Message);
        Assert.Contains("'nope'", missing.Message);
    }

    [Fact]
    public void ReadAfterDisposeThrows()
    {
        using var dir = new TempFolder();
        using var t = Tensor.FromArray([1f]);
        string path = dir.File("m.safetensors");
        SafeTensorsWriter.Write(path, [new("x", t)]);
        var file = SafeTensorsFile.Open(path);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Read("x"));
    }

    [Fact]
    public void WriterRejectsRepeatedAndReservedNames()
    {
        using var dir = new TempFolder();
        using var t = Tensor.FromArray([1f]);
        string path = dir.File("m.safetensors");
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("a", t), new("a", t)]));
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("__metadata__", t)]));
        Assert.False(File.Exists(path));
    }
}
