using System.Buffers.Binary;
using System.Text;

namespace BertCore.Tests.Training;

/// <summary>An independent PNG reader for tests: splits the chunks and checks every CRC with a bit-at-a-time CRC-32.</summary>
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
