using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BertCore.Tests.Training;

/// <summary>An independent PNG reader for tests: splits the chunks, checks every CRC with a bit-at-a-time CRC-32
/// (not the table the encoder uses), and inflates the image data.</summary>
internal static class PngFile
{
    public sealed record Chunk(string Type, byte[] Data, uint StoredCrc, uint ComputedCrc);

    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static bool IsPng(string path)
    {
        var bytes = File.ReadAllBytes(path);
        return bytes.AsSpan().StartsWith(Signature) && Chunks(bytes).All(c => c.StoredCrc == c.ComputedCrc);
    }

    public static List<Chunk> Chunks(byte[] png)
    {
        var chunks = new List<Chunk>();
        for (int at = Signature.Length; at < png.Length;)
        {
            int length = checked((int)BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at)));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            var data = png.AsSpan(at + 8, length).ToArray();
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(png.AsSpan(at + 8 + length));
            chunks.Add(new Chunk(type, data, stored, BitwiseCrc(png.AsSpan(at + 4, 4 + length))));
            at += 12 + length;
        }
        return chunks;
    }

    /// <summary>The concatenated IDAT data, inflated: [height, 1 + 3·width] filter byte + RGB scanlines.</summary>
    public static byte[] Inflate(IEnumerable<Chunk> chunks)
    {
        using var compressed = new MemoryStream(chunks.Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray());
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        using var raw = new MemoryStream();
        zlib.CopyTo(raw);
        return raw.ToArray();
    }

    public static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (uint)-(int)(c & 1));
        }
        return ~c;
    }
}
