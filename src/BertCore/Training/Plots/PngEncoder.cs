using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using BertCore.IO;

namespace BertCore.Training.Plots;

/// <summary>
/// Encodes a <see cref="Raster"/> as a PNG (8-bit RGB, no interlace): the signature, IHDR, one IDAT holding the
/// zlib-compressed scanlines (each prefixed with filter type 0, none), IEND; every chunk carries its CRC-32 over
/// type and data.
/// </summary>
public static class PngEncoder
{
    /// <summary>The 8 bytes every PNG starts with.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static byte[] Encode(Raster image)
    {
        using var png = new MemoryStream();
        png.Write(Signature);
        var header = new byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(header, (uint)image.Width);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)image.Height);
        header[8] = 8;   // bits per sample
        header[9] = 2;   // colour type: RGB
        // compression 0 (deflate), filter method 0, interlace 0: already zero
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", Compress(image));
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>Writes the PNG to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, Raster image)
    {
        var bytes = Encode(image);
        AtomicFile.Write(path, s => s.Write(bytes));
    }

    private static byte[] Compress(Raster image)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            int rowBytes = image.Width * 3;
            for (int y = 0; y < image.Height; y++)
            {
                zlib.WriteByte(0);   // filter type: none
                zlib.Write(image.Pixels.AsSpan(y * rowBytes, rowBytes));
            }
        }
        return compressed.ToArray();
    }

    private static void WriteChunk(Stream png, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        png.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        png.Write(typeBytes);
        png.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.Compute(data, Crc32.Compute(typeBytes)));
        png.Write(word);
    }
}
