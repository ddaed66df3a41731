using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Data;

/// <summary>Tokenizes a corpus into a token cache file (layout in <see cref="TokenCacheHeader"/>).</summary>
internal static class TokenCacheBuilder
{
    /// <summary>SHA-256 over the format version, the corpus format (with a task file's columns), and each file's full
    /// path, size and modification time.</summary>
    public static byte[] CorpusKey(IReadOnlyList<string> corpusFiles, CorpusFormat format, SequenceReadOptions? columns = null)
    {
        var key = new System.Text.StringBuilder($"token cache v{TokenCacheHeader.CurrentVersion}\n");
        if (format == CorpusFormat.TaskFile)
            key.Append($"columns {columns?.Format}|{columns?.TextColumn ?? "(auto)"}|{columns?.PairColumn ?? "(auto)"}\n");
        foreach (string path in corpusFiles)
        {
            var file = new FileInfo(path);
            if (!file.Exists)
                throw new FileNotFoundException($"{path}: corpus file not found", path);
            CorpusFormat resolved = format == CorpusFormat.Auto ? CorpusReader.FormatOf(path) : format;
            key.Append($"{file.FullName}\n{file.Length}\n{file.LastWriteTimeUtc.Ticks}\n{resolved}\n");
        }
        return SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key.ToString()));
    }

    /// <summary>Tokenizes every sentence (without special tokens) and writes the cache atomically.</summary>
    /// <exception cref="ArgumentException">No sentence yields a token.</exception>
    public static void Build(string cachePath, IReadOnlyList<string> corpusFiles, CorpusFormat format, SequenceReadOptions? columns,
        BertTokenizer tokenizer, byte[] vocabularyHash, byte[] corpusKey, IProgress<WorkProgress>? progress)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("The token cache is written in the machine's byte order, which must be little-endian.");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(cachePath));
        if (folder is not null)
            Directory.CreateDirectory(folder);
        AtomicFile.Write(cachePath, stream =>
        {
            stream.Write(new byte[TokenCacheHeader.Size]);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var sentenceStarts = new List<long> { 0 };
            var documentStarts = new List<int> { 0 };
            var ids = new int[256];
            long tokens = 0;
            foreach (CorpusDocument document in CorpusReader.Read(corpusFiles, format, columns))
            {
                foreach (string sentence in document.Sentences)
                {
                    IReadOnlyList<int> encoded = tokenizer.Encode(sentence, null, int.MaxValue, Truncation.None, addSpecialTokens: false).Ids;
                    if (encoded.Count == 0)
                        continue;
                    if (encoded.Count > ids.Length)
                        ids = new int[Math.Max(encoded.Count, 2 * ids.Length)];
                    for (int i = 0; i < encoded.Count; i++)
                        ids[i] = encoded[i];
                    Append(stream, hash, MemoryMarshal.AsBytes(ids.AsSpan(0, encoded.Count)));
                    tokens += encoded.Count;
                    sentenceStarts.Add(tokens);
                    if (sentenceStarts.Count % 1000 == 0)
                        progress?.Report(new WorkProgress("tokenizing sentences", sentenceStarts.Count - 1, 0));
                }
                if (sentenceStarts.Count - 1 > documentStarts[^1])
                    documentStarts.Add(sentenceStarts.Count - 1);
            }
            progress?.Report(new WorkProgress("tokenizing sentences", sentenceStarts.Count - 1, 0));
            if (tokens == 0)
                throw new ArgumentException($"The corpus ({string.Join(", ", corpusFiles)}) yields no tokens.", nameof(corpusFiles));
            Append(stream, hash, new byte[(int)((4 * tokens) % 8)]);
            Append(stream, hash, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(sentenceStarts)));
            Append(stream, hash, MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(documentStarts)));
            var header = new TokenCacheHeader(TokenCacheHeader.CurrentVersion, tokenizer.BasicTokenizer.LowerCase, vocabularyHash, corpusKey,
                tokenizer.Vocabulary.Count, documentStarts.Count - 1, sentenceStarts.Count - 1, tokens, hash.GetHashAndReset());
            stream.Position = 0;
            stream.Write(header.ToBytes());
        });
    }

    private static void Append(Stream stream, IncrementalHash hash, ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        hash.AppendData(bytes);
    }
}
