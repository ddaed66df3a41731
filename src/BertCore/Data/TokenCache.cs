using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Data;

/// <summary>
/// A corpus tokenized once into a memory-mapped binary file (layout in <c>TokenCacheHeader</c>): token ids,
/// sentence and document boundaries, and a header with the SHA-256 of the vocabulary file, a key of the corpus
/// files (full path, size and modification time of each, in order, and the format), the tokenizer's casing, and
/// the SHA-256 of the payload. <see cref="OpenOrBuild"/> reuses a cache whose key matches and rebuilds a stale
/// one; every open checks the payload hash and the boundaries. Dispose it when done: the ids stay mapped until then.
/// Reading is thread-safe.
/// </summary>
public sealed unsafe class TokenCache : ITokenCorpus, IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private readonly int* _ids;
    private readonly long* _sentenceStarts;
    private readonly int* _documentStarts;
    private bool _disposed;

    private TokenCache(string path, TokenCacheHeader header, bool reused)
    {
        Path = path;
        Reused = reused;
        VocabularySize = header.VocabularySize;
        DocumentCount = header.DocumentCount;
        SentenceCount = header.SentenceCount;
        TokenCount = header.TokenCount;
        CorpusKey = Convert.ToHexStringLower(header.CorpusKey);
        _file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;
        _ids = (int*)(_base + TokenCacheHeader.Size);
        _sentenceStarts = (long*)(_base + header.SentenceStartsOffset);
        _documentStarts = (int*)(_base + header.DocumentStartsOffset);
    }

    /// <summary>
    /// Opens the cache at <paramref name="cachePath"/> when it was built from the same corpus files (same paths,
    /// sizes and modification times), the same vocabulary file and casing; otherwise (or when it does not exist)
    /// tokenizes the corpus with <see cref="BertTokenizer"/> and writes the cache atomically first.
    /// </summary>
    /// <param name="cachePath">The cache file (see <see cref="DefaultPath"/>).</param>
    /// <param name="corpusFiles">The corpus, read with <see cref="CorpusReader"/>.</param>
    /// <param name="vocabularyPath">The <c>vocab.txt</c> to tokenize with.</param>
    /// <param name="lowercase">The tokenizer's casing (true for uncased vocabularies).</param>
    /// <param name="format">The corpus format.</param>
    /// <param name="progress">Receives ("tokenizing", sentences done, 0) while building.</param>
    /// <param name="columns">With <see cref="CorpusFormat.TaskFile"/>: the table format and text columns (part of the cache key).</param>
    /// <exception cref="InvalidFileException">The corpus or vocabulary is invalid, the path holds a file that is not a
    /// token cache (it is not overwritten), or the cache is corrupt.</exception>
    public static TokenCache OpenOrBuild(string cachePath, IReadOnlyList<string> corpusFiles, string vocabularyPath,
        bool lowercase = true, CorpusFormat format = CorpusFormat.Auto, IProgress<WorkProgress>? progress = null,
        SequenceReadOptions? columns = null)
    {
        byte[] vocabularyHash = SHA256.HashData(File.ReadAllBytes(vocabularyPath));
        byte[] corpusKey = TokenCacheBuilder.CorpusKey(corpusFiles, format, columns);
        if (File.Exists(cachePath))
        {
            TokenCacheHeader header = TokenCacheHeader.Read(cachePath);
            if (header.Version == TokenCacheHeader.CurrentVersion && header.LowerCase == lowercase &&
                header.VocabularyHash.AsSpan().SequenceEqual(vocabularyHash) && header.CorpusKey.AsSpan().SequenceEqual(corpusKey))
                return Open(cachePath, header, reused: true);
        }
        var tokenizer = new BertTokenizer(Vocabulary.Load(vocabularyPath), lowercase);
        TokenCacheBuilder.Build(cachePath, corpusFiles, format, columns, tokenizer, vocabularyHash, corpusKey, progress);
        return Open(cachePath, TokenCacheHeader.Read(cachePath), reused: false);
    }

    /// <summary>Opens and validates an existing cache without checking that it matches any corpus.</summary>
    /// <exception cref="InvalidFileException">Not a token cache, another format version, or corrupt.</exception>
    public static TokenCache Open(string cachePath)
    {
        TokenCacheHeader header = TokenCacheHeader.Read(cachePath);
        if (header.Version != TokenCacheHeader.CurrentVersion)
            throw new InvalidFileException(cachePath, null, $"token cache format version {header.Version}; this build reads version {TokenCacheHeader.CurrentVersion}");
        return Open(cachePath, header, reused: true);
    }

    /// <summary>A cache file name in <paramref name="folder"/> for <paramref name="corpusFiles"/>: one per distinct list of files.</summary>
    public static string DefaultPath(string folder, IReadOnlyList<string> corpusFiles)
    {
        string files = string.Join('\n', corpusFiles.Select(System.IO.Path.GetFullPath));
        string id = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(files)))[..16];
        return System.IO.Path.Combine(folder, $"tokens-{id}.cache");
    }

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>True when an existing cache was opened; false when it was (re)built by this call.</summary>
    public bool Reused { get; }

    /// <summary>The vocabulary size the ids were made with (every id is below it).</summary>
    public int VocabularySize { get; }

    /// <summary>The key of the corpus files the cache was built from (hex SHA-256).</summary>
    public string CorpusKey { get; }

    public int DocumentCount { get; }
    public int SentenceCount { get; }
    public long TokenCount { get; }

    public (int First, int End) DocumentSentences(int document)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)document, (uint)DocumentCount, nameof(document));
        return (_documentStarts[document], _documentStarts[document + 1]);
    }

    public long SentenceStart(int sentence)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)sentence, (uint)SentenceCount, nameof(sentence));
        return _sentenceStarts[sentence];
    }

    public ReadOnlySpan<int> Tokens(long start, int length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (start < 0 || length < 0 || start > TokenCount - length)
            throw new ArgumentOutOfRangeException(nameof(start), $"tokens [{start}, {start + length}) are outside [0, {TokenCount})");
        return new ReadOnlySpan<int>(_ids + start, length);
    }

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _file.Dispose();
    }

    private static TokenCache Open(string path, TokenCacheHeader header, bool reused)
    {
        var cache = new TokenCache(path, header, reused);
        try
        {
            cache.Validate(header);
            return cache;
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    /// <summary>Checks the payload hash, then that the boundaries are increasing and the ids are in the vocabulary.</summary>
    private void Validate(TokenCacheHeader header)
    {
        if (!PayloadHash(header).AsSpan().SequenceEqual(header.PayloadHash))
            throw TokenCacheHeader.Corrupt(Path, "the payload does not match its SHA-256");
        if (_sentenceStarts[0] != 0 || _sentenceStarts[SentenceCount] != TokenCount)
            throw TokenCacheHeader.Corrupt(Path, "the sentence boundaries do not span the tokens");
        for (int s = 0; s < SentenceCount; s++)
            if (_sentenceStarts[s + 1] <= _sentenceStarts[s])
                throw TokenCacheHeader.Corrupt(Path, $"sentence {s} is empty or reversed");
        if (_documentStarts[0] != 0 || _documentStarts[DocumentCount] != SentenceCount)
            throw TokenCacheHeader.Corrupt(Path, "the document boundaries do not span the sentences");
        for (int d = 0; d < DocumentCount; d++)
            if (_documentStarts[d + 1] <= _documentStarts[d])
                throw TokenCacheHeader.Corrupt(Path, $"document {d} is empty or reversed");
        for (long t = 0; t < TokenCount; t++)
            if ((uint)_ids[t] >= (uint)VocabularySize)
                throw TokenCacheHeader.Corrupt(Path, $"token {t} has id {_ids[t]}, outside the vocabulary of {VocabularySize}");
    }

    /// <summary>SHA-256 of everything after the header, hashed in chunks (the payload may exceed 2 GiB).</summary>
    private byte[] PayloadHash(TokenCacheHeader header)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (long offset = TokenCacheHeader.Size; offset < header.FileLength;)
        {
            int length = (int)Math.Min(1 << 30, header.FileLength - offset);
            hash.AppendData(new ReadOnlySpan<byte>(_base + offset, length));
            offset += length;
        }
        return hash.GetHashAndReset();
    }
}
