namespace BertCore.IO;

/// <summary>Reads a UTF-8 text file as lines, for readers that report errors by line number.</summary>
internal static class TextLines
{
    /// <summary>
    /// Splits the file into lines the way Python's universal newlines do (<c>\n</c>, <c>\r\n</c> or <c>\r</c> end a
    /// line; a final newline does not add an empty line), skipping a UTF-8 byte-order mark and decoding each line
    /// strictly. Line <c>i</c> of the result is line <c>i + 1</c> of the file.
    /// </summary>
    /// <exception cref="InvalidFileException">A line is not valid UTF-8.</exception>
    public static string[] Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var utf8 = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var lines = new List<string>();
        int pos = bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        while (pos < bytes.Length)
        {
            int length = bytes.AsSpan(pos).IndexOfAny((byte)'\n', (byte)'\r');
            if (length < 0)
                length = bytes.Length - pos;
            try
            {
                lines.Add(utf8.GetString(bytes, pos, length));
            }
            catch (System.Text.DecoderFallbackException)
            {
                throw new InvalidFileException(path, lines.Count + 1, "invalid UTF-8");
            }
            pos += length;
            if (pos < bytes.Length)
                pos += bytes[pos] == '\r' && pos + 1 < bytes.Length && bytes[pos + 1] == '\n' ? 2 : 1;
        }
        return lines.ToArray();
    }
}
