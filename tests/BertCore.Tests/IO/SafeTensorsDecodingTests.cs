using System.Buffers.Binary;
using BertCore.IO;
using Xunit;

namespace BertCore.Tests.IO;

/// <summary>F16, BF16 and I64 tensors against hand-computed values.</summary>
public class SafeTensorsDecodingTests
{
    private static string FileOf(TempFolder dir, string dtype, int elementSize, ulong[] raw)
    {
        var data = new byte[raw.Length * elementSize];
        for (int i = 0; i < raw.Length; i++)
        {
            if (elementSize == 2) BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(2 * i), (ushort)raw[i]);
            else BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8 * i), raw[i]);
        }
        return dir.Raw("t.safetensors",
            $"{{\"t\":{{\"dtype\":\"{dtype}\",\"shape\":[{raw.Length}],\"data_offsets\":[0,{data.Length}]}}}}", data);
    }

    private static void AssertSameBits(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void F16DecodesToTheExactValues()
    {
        using var dir = new TempFolder();
        ulong[] half = [0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x03FF, 0x0400, 0x8000, 0x7C00, 0xFC00, 0x7E00];
        float[] expected =
        [
            1f, -2f, 0.333251953125f, 65504f,
            MathF.ScaleB(1, -24),           // smallest subnormal
            1023 * MathF.ScaleB(1, -24),    // largest subnormal
            MathF.ScaleB(1, -14),           // smallest normal
            -0f, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(0x7FC00000),  // the quiet NaN keeps its (empty) payload
        ];
        using var file = SafeTensorsFile.Open(FileOf(dir, "F16", 2, half));
        using var t = file.Read("t");
        AssertSameBits(expected, t.ToArray());
    }

    [Fact]
    public void BF16DecodesToTheExactValues()
    {
        using var dir = new TempFolder();
        ulong[] bf16 = [0x3F80, 0xC040, 0x4049, 0x0001, 0x0080, 0x8000, 0x7F80, 0xFF80, 0x7FC0, 0x7F7F];
        float[] expected =
        [
            1f, -3f, 3.140625f,
            MathF.ScaleB(1, -133),          // smallest subnormal
            MathF.ScaleB(1, -126),          // smallest normal
            -0f, float.PositiveInfinity, float.NegativeInfinity,
            BitConverter.Int32BitsToSingle(0x7FC00000),  // positive quiet NaN (float.NaN is negative)
            255 * MathF.ScaleB(1, 120),     // largest finite: 1.1111111b × 2^127
        ];
        using var file = SafeTensorsFile.Open(FileOf(dir, "BF16", 2, bf16));
        using var t = file.Read("t");
        AssertSameBits(expected, t.ToArray());
    }

    [Fact]
    public void I64InsideTheInt32RangeLoadsAsI32()
    {
        using var dir = new TempFolder();
        ulong[] raw = [0, 101, unchecked((ulong)-1L), int.MaxValue, unchecked((ulong)(long)int.MinValue)];
        using var file = SafeTensorsFile.Open(FileOf(dir, "I64", 8, raw));
        using var t = file.Read("t");
        Assert.Equal([0, 101, -1, int.MaxValue, int.MinValue], t.ToIntArray());
    }

    [Theory]
    [InlineData(1L << 32)]
    [InlineData((long)int.MaxValue + 1)]
    [InlineData((long)int.MinValue - 1)]
    public void I64OutsideTheInt32RangeIsAnError(long value)
    {
        using var dir = new TempFolder();
        string path = FileOf(dir, "I64", 8, [5, 6, unchecked((ulong)value)]);
        using var file = SafeTensorsFile.Open(path);
        var e = Assert.Throws<InvalidFileException>(() => file.Read("t"));
        Assert.Equal(path, e.Path);
        Assert.Contains($"tensor 't': element 2 is {value}, outside the int32 range", e.Message);
        Assert.StartsWith(path + ": ", e.Message);
    }

    [Fact]
    public void OtherDTypesAreRecognizedButNotLoaded()
    {
        using var dir = new TempFolder();
        string path = FileOf(dir, "F64", 8, [0, 0]);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal(new[] { 2 }, file.Info("t").Shape);
        Assert.Equal("F64", file.Info("t").DType);
        var e = Assert.Throws<NotSupportedException>(() => file.Read("t"));
        Assert.Contains(path, e.Message);
        Assert.Contains("'t' is stored as F64", e.Message);
    }

    [Fact]
    public void RanksAboveTheTensorLimitAreNotLoaded()
    {
        using var dir = new TempFolder();
        string path = dir.Raw("t.safetensors",
            "{\"t\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,2],\"data_offsets\":[0,8]}}", new byte[8]);
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal([1, 1, 1, 1, 2], file.Info("t").Shape);
        var e = Assert.Throws<NotSupportedException>(() => file.Read("t"));
        Assert.Contains("rank 5", e.Message);
    }
}
