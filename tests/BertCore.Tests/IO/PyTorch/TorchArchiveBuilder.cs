using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BertCore.Tests.IO.PyTorch;

/// <summary>
/// Hand-made PyTorch checkpoints for the cases the fixture script does not cover: pickles built opcode by opcode
/// (protocol 2, as tools/reference/make_torch_bin_fixture.py builds them) in a zip laid out as torch.save lays
/// one out ({stem}/data.pkl, {stem}/data/0, {stem}/version).
/// </summary>
internal static class TorchArchiveBuilder
{
    public static byte[] Text(string s)
    {
        var utf8 = Encoding.UTF8.GetBytes(s);
        var bytes = new byte[5 + utf8.Length];
        bytes[0] = (byte)'X';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), utf8.Length);
        utf8.CopyTo(bytes, 5);
        return bytes;
    }

    /// <summary>BININT for 0 &lt;= n &lt; 2^31, else LONG1 with 8 bytes.</summary>
    public static byte[] Int(long n)
    {
        if (n is >= 0 and <= int.MaxValue)
        {
            var bininit = new byte[5];
            bininit[0] = (byte)'J';
            BinaryPrimitives.WriteInt32LittleEndian(bininit.AsSpan(1), (int)n);
            return bininit;
        }
        var long1 = new byte[10];
        long1[0] = 0x8a;
        long1[1] = 8;
        BinaryPrimitives.WriteInt64LittleEndian(long1.AsSpan(2), n);
        return long1;
    }

    public static byte[] Tuple(params byte[][] items) => [(byte)'(', .. items.SelectMany(i => i), (byte)'t'];

    /// <summary>_rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()), then REDUCE.</summary>
    public static byte[] Tensor(string storageType, long numel, long offset, long[] size, long[] stride)
    {
        byte[] storage = [.. Tuple(Text("storage"), Ascii($"ctorch\n{storageType}\n"), Text("0"), Text("cpu"), Int(numel)), (byte)'Q'];
        return [.. Ascii("ctorch._utils\n_rebuild_tensor_v2\n"),
            .. Tuple(storage, Int(offset), Tuple(size.Select(Int).ToArray()), Tuple(stride.Select(Int).ToArray()), [0x89], Ascii("ccollections\nOrderedDict\n)R")),
            (byte)'R'];
    }

    /// <summary>PROTO 2, OrderedDict(), SETITEMS of the entries, STOP.</summary>
    public static byte[] StateDict(params (string Name, byte[] Value)[] entries) =>
        [0x80, 2, .. Ascii("ccollections\nOrderedDict\n)R("), .. entries.SelectMany(e => Text(e.Name).Concat(e.Value)), (byte)'u', (byte)'.'];

    public static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>Writes <paramref name="path"/> with records data.pkl, data/0 (<paramref name="storage"/>, compressed
    /// when asked), version and, when given, byteorder.</summary>
    public static string Write(string path, byte[] pickle, byte[] storage, bool compressStorage = false, string? byteOrder = null)
    {
        string stem = Path.GetFileNameWithoutExtension(path);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        void Add(string name, byte[] data, CompressionLevel level)
        {
            using var s = zip.CreateEntry($"{stem}/{name}", level).Open();
            s.Write(data);
        }
        Add("data.pkl", pickle, CompressionLevel.NoCompression);
        Add("data/0", storage, compressStorage ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
        Add("version", Ascii("3\n"), CompressionLevel.NoCompression);
        if (byteOrder != null) Add("byteorder", Ascii(byteOrder), CompressionLevel.NoCompression);
        return path;
    }

    /// <summary>Little-endian bytes of <paramref name="values"/>.</summary>
    public static byte[] Floats(params float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    /// <summary>Little-endian bytes of <paramref name="values"/>.</summary>
    public static byte[] Longs(params long[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
