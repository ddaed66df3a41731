using System.Text;
using BertCore.IO;
using BertCore.Tensors;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary>The writer's bytes against files from the reference implementation (huggingface/safetensors, the
/// expected bytes of its own serialization tests in safetensors/src/tensor.rs) and its ordering rules.</summary>
public class SafeTensorsCompatibilityTests
{
    private static byte[] WriteBytes(IEnumerable<KeyValuePair<string, Tensor>> tensors, Dictionary<string, string>? metadata = null)
    {
        using var dir = new TempFolder();
        string path = dir.File("t.safetensors");
        SafeTensorsWriter.Write(path, tensors, metadata);
        return File.ReadAllBytes(path);
    }

    [Fact]
    public void OneTensorMatchesTheReferenceBytes()
    {
        using var t = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 1, 2, 3);
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(expected, WriteBytes([new("attn.0", t)]));
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesLikeTheReference()
    {
        using var t = Tensor.FromArray([0f, 1f, 2f, 3f, 4f, 5f], 1, 1, 2, 3);
        byte[] expected =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(expected, WriteBytes([new("attn0", t)]));
    }

    [Fact]
    public void EmptyFilesMatchTheReferenceWithAndWithoutMetadata()
    {
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], WriteBytes([]));
        byte[] withMetadata =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(withMetadata, WriteBytes([], new() { ["framework"] = "pt" }));
    }

    [Fact]
    public void TensorsAreOrderedByDTypeAlignmentThenByUtf8Name()
    {
        using var f = Tensor.FromArray([1f], 1);
        using var i = Tensor.FromArray([1], 1);
        // U+FF21 sorts after the surrogate pair of U+1F600 in UTF-16 but before it in UTF-8, as Rust compares.
        byte[] bytes = WriteBytes([new("b", f), new("\U0001F600", f), new("a_ids", i), new("\uFF21", f), new("B", f), new("a", f)]);

        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        string[] order = ["B", "a", "b", "\uFF21", "\U0001F600", "a_ids"];
        int[] positions = order.Select(n => header.IndexOf("\"" + n + "\":", StringComparison.Ordinal)).ToArray();
        Assert.All(positions, p => Assert.True(p > 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("\"a_ids\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[20,24]}", header);
    }

    [Fact]
    public void NamesAreEscapedLikeSerdeJson()
    {
        using var t = Tensor.FromArray([1f]);
        string name = "q\"b\\n\nt\tc\u0001<é>";
        using var dir = new TempFolder();
        string path = dir.File("t.safetensors");
        SafeTensorsWriter.Write(path, [new(name, t)]);

        byte[] bytes = File.ReadAllBytes(path);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        Assert.StartsWith("{\"q\\\"b\\\\n\\nt\\tc\\u0001<é>\":{", header);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([name], file.Names);
    }
}
