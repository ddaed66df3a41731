using System.Text;
using BertCore.IO;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary>Each way a header can be wrong is rejected at Open with an InvalidFileException naming the file and
/// the problem, before anything is allocated in proportion to what the header claims.</summary>
public class SafeTensorsMalformedTests
{
    private static void AssertRejected(string path, params string[] problem)
    {
        var e = Assert.Throws<InvalidFileException>(() => SafeTensorsFile.Open(path).Dispose());
        Assert.Equal(path, e.Path);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (var part in problem) Assert.Contains(part, e.Message);
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void TruncatedFile(int length)
    {
        using var dir = new TempFolder();
        string path = dir.File("short.safetensors");
        File.WriteAllBytes(path, new byte[length]);
        AssertRejected(path, $"the file is {length} bytes, too short");
    }

    /// <summary>
    /// Minimized fuzz cases (tests/BertCore.Tests/Fuzzing, long campaign): an unpaired surrogate escape in a dtype,
    /// a key or a tensor name threw InvalidOperationException from System.Text.Json when it was read.
    /// </summary>
    [Theory]
    [InlineData("{\"t\":{\"dtype\":\"I64\\ud800\",\"shape\":[2],\"data_offsets\":[0,16]}}")]
    [InlineData("{\"t\":{\"dtype\":\"I64\",\"shape\":[2],\"d\\udc00\\ud800ata_offsets\":[0,16]}}")]
    [InlineData("{\"\\udc00\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}")]
    [InlineData("{\"__metadata__\":{\"format\":\"\\ud800\"}}")]
    public void UnpairedSurrogateEscape(string header)
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", header, new byte[16]), "the header has a JSON string that is not valid text");
    }

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        using var dir = new TempFolder();
        string path = dir.Raw("t.safetensors", "{}", [], headerLength: 3);
        AssertRejected(path, "header length 3 runs past the end of the file (10 bytes)");
    }

    [Fact]
    public void AbsurdHeaderLength()
    {
        using var dir = new TempFolder();
        string path = dir.Raw("t.safetensors", "{}", [], headerLength: 1UL << 60);
        AssertRejected(path, $"header length {1UL << 60} exceeds the 100000000-byte limit");
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"t\":")]
    [InlineData("")]
    public void HeaderNotJson(string header)
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", header, []), "the header is not valid JSON");
    }

    [Fact]
    public void HeaderNotUtf8()
    {
        using var dir = new TempFolder();
        string path = dir.File("t.safetensors");
        byte[] json = [.. Encoding.UTF8.GetBytes("{\"__metadata__\":{\"a\":\""), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}}")];
        File.WriteAllBytes(path, [(byte)json.Length, 0, 0, 0, 0, 0, 0, 0, .. json]);
        AssertRejected(path, "the header is not valid UTF-8");
    }

    [Fact]
    public void HeaderNotAnObject()
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", "[1, 2]", []), "the header is a JSON array, not an object");
    }

    [Fact]
    public void OffsetsOutsideTheFile()
    {
        // A header claiming 4 TB of data in a file of 16 bytes: rejected, nothing allocated.
        using var dir = new TempFolder();
        string path = dir.Raw("t.safetensors", "{" + Entry("huge", "F32", "[1073741824,1024]", 0, 1L << 42) + "}", new byte[16]);
        AssertRejected(path, "tensor 'huge'", $"data_offsets [0, {1L << 42}] run past the end of the data section (16 bytes)");
    }

    [Fact]
    public void OverlappingTensors()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("a", "F32", "[4]", 0, 16) + "," + Entry("b", "F32", "[2]", 8, 16) + "}";
        AssertRejected(dir.Raw("t.safetensors", json, new byte[16]), "tensors 'a' [0, 16) and 'b' [8, 16) overlap");
    }

    [Fact]
    public void TouchingAndEmptyTensorsDoNotOverlap()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("none", "F32", "[0]", 4, 4) + ","
            + Entry("b", "F32", "[2]", 8, 16) + "}";
        using var file = SafeTensorsFile.Open(dir.Raw("t.safetensors", json, new byte[16]));
        Assert.Equal(["a", "none", "b"], file.Names);
    }

    [Fact]
    public void SizeNotDTypeTimesShape()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("w", "F16", "[2,3]", 0, 24) + "}";
        AssertRejected(dir.Raw("t.safetensors", json, new byte[24]),
            "tensor 'w'", "shape [2, 3] of F16 needs 12 bytes but data_offsets [0, 24] hold 24");
    }

    [Fact]
    public void NegativeShape()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("w", "F32", "[2,-1]", 0, 0) + "}";
        AssertRejected(dir.Raw("t.safetensors", json, []), "tensor 'w'", "dimension 1 of \"shape\" is -1, not a non-negative integer");
    }

    [Fact]
    public void ShapeWhoseByteCountOverflows()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("w", "F32", "[2147483647,2147483647,2147483647]", 0, 0) + "}";
        AssertRejected(dir.Raw("t.safetensors", json, []), "tensor 'w'", "more bytes than a 64-bit count can hold");
    }

    [Fact]
    public void UnknownDType()
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", "{" + Entry("w", "F12", "[1]", 0, 1) + "}", new byte[1]),
            "tensor 'w'", "unknown dtype \"F12\"");
    }

    [Theory]
    [InlineData("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "\"dtype\" is missing")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "\"shape\" is missing")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "\"data_offsets\" must be")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", "\"data_offsets\" must be")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "\"data_offsets\" must be")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "is 1.5, not a non-negative integer")]
    [InlineData("{\"w\":[]}", "the entry is a JSON array")]
    public void MalformedEntries(string json, string problem)
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", json, new byte[8]), "tensor 'w'", problem);
    }

    [Fact]
    public void RepeatedTensorName()
    {
        using var dir = new TempFolder();
        string json = "{" + Entry("w", "F32", "[1]", 0, 4) + "," + Entry("w", "F32", "[1]", 4, 8) + "}";
        AssertRejected(dir.Raw("t.safetensors", json, new byte[8]), "tensor 'w' appears twice");
    }

    [Fact]
    public void MetadataMustMapStringsToStrings()
    {
        using var dir = new TempFolder();
        AssertRejected(dir.Raw("t.safetensors", "{\"__metadata__\":{\"epoch\":3}}", []),
            "'__metadata__' entry 'epoch' is a JSON number, not a string");
    }
}
