using System.Text;
using BertCore.IO;

namespace BertCore.Data;

/// <summary>
/// Reads a UTF-8 text file line by line, strictly: lines end at <c>\n</c>, a trailing <c>\r</c> is stripped
/// (CRLF files), a byte-order mark at the start is skipped, and invalid UTF-8 is an
/// <see cref="InvalidFileException"/> naming the file and line. Streams, so the file can be larger than memory.
/// </summary>
internal static class Utf8Lines
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The lines of <paramref name="path"/> with their 1-based numbers; a final newline adds no empty line.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidFileException">A line is not valid UTF-8.</exception>
    public static IEnumerable<(int Number, string Text)> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: file not found", path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var chunk = new byte[1 << 16];
        var line = new LineBuffer();
        int number = 0, read;
        while ((read = stream.Read(chunk)) > 0)
        {
            int start = 0;
            while (start < read)
            {
                int newline = chunk.AsSpan(start, read - start).IndexOf((byte)'\n');
                if (newline < 0)
                {
                    line.Append(chunk.AsSpan(start, read - start));
                    break;
                }
                line.Append(chunk.AsSpan(start, newline));
                yield return (++number, line.Decode(path, number));
                start += newline + 1;
            }
        }
        if (line.Length > 0)
            yield return (++number, line.Decode(path, number));
    }

    /// <summary>The bytes of the line being read, kept across chunk boundaries.</summary>
    private sealed class LineBuffer
    {
        private byte[] _bytes = new byte[256];

        public int Length { get; private set; }

        public void Append(ReadOnlySpan<byte> bytes)
        {
            if (Length + bytes.Length > _bytes.Length)
                Array.Resize(ref _bytes, Math.Max(2 * _bytes.Length, Length + bytes.Length));
            bytes.CopyTo(_bytes.AsSpan(Length));
            Length += bytes.Length;
        }

        /// <summary>Decodes the line without its trailing <c>\r</c> (and the BOM on line 1), then empties the buffer.</summary>
        public string Decode(string path, int number)
        {
            ReadOnlySpan<byte> bytes = _bytes.AsSpan(0, Length);
            if (number == 1 && bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
                bytes = bytes[3..];
            if (bytes.EndsWith((byte)'\r'))
                bytes = bytes[..^1];
            Length = 0;
            try
            {
                return Strict.GetString(bytes);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidFileException(path, number, $"invalid UTF-8 (byte {e.Index} of the line)");
            }
        }
    }
}
