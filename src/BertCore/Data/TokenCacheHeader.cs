using System.Buffers.Binary;
using BertCore.IO;

namespace BertCore.Data;

/// <summary>
/// The fixed 160-byte header of a token cache file (little-endian):
/// <code>
///   0  8  magic "BCTOKENS"          80  4  vocabulary size
///   8  4  format version            84  4  document count
///  12  4  flags (bit 0: lower-case)  88  4  sentence count
///  16 32  SHA-256 of vocab.txt       92  4  zero
///  48 32  corpus key (SHA-256)       96  8  token count
///                                   104 32  SHA-256 of everything after the header
///                                   136 24  zero
/// </code>
/// The payload that follows: token ids int32[tokens], zero padding to a multiple of 8 bytes, sentence start
/// offsets int64[sentences + 1], document first-sentence indices int32[documents + 1].
/// </summary>
internal sealed record TokenCacheHeader(
    int Version, bool LowerCase, byte[] VocabularyHash, byte[] CorpusKey, int VocabularySize,
    int DocumentCount, int SentenceCount, long TokenCount, byte[] PayloadHash)
{
    public const int Size = 160;
    public const int CurrentVersion = 1;
    private static ReadOnlySpan<byte> Magic => "BCTOKENS"u8;

    /// <summary>Byte offset of the sentence starts: after the ids, padded to 8.</summary>
    public long SentenceStartsOffset => Size + (4 * TokenCount + 7) / 8 * 8;

    /// <summary>Byte offset of the document starts.</summary>
    public long DocumentStartsOffset => SentenceStartsOffset + 8L * (SentenceCount + 1);

    /// <summary>The length the whole file must have.</summary>
    public long FileLength => DocumentStartsOffset + 4L * (DocumentCount + 1);

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Span<byte> b = bytes;
        Magic.CopyTo(b);
        BinaryPrimitives.WriteInt32LittleEndian(b[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(b[12..], LowerCase ? 1 : 0);
        VocabularyHash.CopyTo(b[16..]);
        CorpusKey.CopyTo(b[48..]);
        BinaryPrimitives.WriteInt32LittleEndian(b[80..], VocabularySize);
        BinaryPrimitives.WriteInt32LittleEndian(b[84..], DocumentCount);
        BinaryPrimitives.WriteInt32LittleEndian(b[88..], SentenceCount);
        BinaryPrimitives.WriteInt64LittleEndian(b[96..], TokenCount);
        PayloadHash.CopyTo(b[104..]);
        return bytes;
    }

    /// <summary>Reads the header of <paramref name="path"/>; the counts are checked against each other and the file length.</summary>
    /// <exception cref="InvalidFileException">Not a token cache (no magic), or a header that cannot be right.</exception>
    public static TokenCacheHeader Read(string path)
    {
        Span<byte> b = stackalloc byte[Size];
        long length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = stream.Length;
            if (length < Size || stream.ReadAtLeast(b, Size, throwOnEndOfStream: false) < Size || !b.StartsWith(Magic))
                throw new InvalidFileException(path, null, "not a BertCore token cache (no BCTOKENS header); it is left untouched — pick another cache path");
        }
        var header = new TokenCacheHeader(
            BinaryPrimitives.ReadInt32LittleEndian(b[8..]), (BinaryPrimitives.ReadInt32LittleEndian(b[12..]) & 1) != 0,
            b[16..48].ToArray(), b[48..80].ToArray(), BinaryPrimitives.ReadInt32LittleEndian(b[80..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[84..]), BinaryPrimitives.ReadInt32LittleEndian(b[88..]),
            BinaryPrimitives.ReadInt64LittleEndian(b[96..]), b[104..136].ToArray());
        if (header.Version != CurrentVersion)
            return header; // another format version: stale, the caller rebuilds it
        if (header.VocabularySize <= 0 || header.DocumentCount <= 0 || header.SentenceCount < header.DocumentCount ||
            header.TokenCount < header.SentenceCount || header.TokenCount > (long.MaxValue - Size) / 8)
            throw Corrupt(path, $"impossible counts in the header ({header.DocumentCount} documents, {header.SentenceCount} sentences, {header.TokenCount} tokens, vocabulary {header.VocabularySize})");
        if (header.FileLength != length)
            throw Corrupt(path, $"the file has {length} bytes; its header says {header.FileLength} (truncated or overwritten?)");
        return header;
    }

    /// <summary>The error for a damaged cache.</summary>
    public static InvalidFileException Corrupt(string path, string problem) =>
        new(path, null, $"corrupt token cache: {problem}; delete the file and it will be rebuilt");
}
