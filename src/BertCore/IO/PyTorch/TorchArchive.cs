using System.IO.Compression;
using System.Text;

namespace BertCore.IO.PyTorch;

/// <summary>
/// The zip archive <c>torch.save</c> writes (PyTorch 1.6 and later): records <c>{prefix}/data.pkl</c> (the pickled
/// object), <c>{prefix}/data/{key}</c> (one per storage, raw little-endian elements, stored uncompressed),
/// <c>{prefix}/version</c> and, since PyTorch 2.1, <c>{prefix}/byteorder</c>. Opening checks the structure;
/// records are read on demand. Not safe for concurrent use.
/// </summary>
internal sealed class TorchArchive : IDisposable
{
    /// <summary>The largest data.pkl read (a state dict's pickle is a few bytes per tensor).</summary>
    public const long MaxPickleBytes = 100_000_000;

    private static ReadOnlySpan<byte> ZipMagic => "PK\x03\x04"u8;
    private static ReadOnlySpan<byte> EmptyZipMagic => "PK\x05\x06"u8;

    private readonly ZipArchive _zip;
    private readonly Dictionary<string, ZipArchiveEntry> _records;
    private readonly string _prefix;

    private TorchArchive(string path, ZipArchive zip, Dictionary<string, ZipArchiveEntry> records, string prefix)
    {
        Path = path;
        _zip = zip;
        _records = records;
        _prefix = prefix;
    }

    /// <summary>The archive's file.</summary>
    public string Path { get; }

    /// <summary>The name of the pickle record, e.g. "pytorch_model/data.pkl".</summary>
    public string PickleRecord => _prefix + "data.pkl";

    /// <summary>Whether <paramref name="path"/> starts like a zip archive or a pickle (the legacy torch.save
    /// format).</summary>
    public static bool LooksLikePyTorch(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> start = stackalloc byte[4];
        int n = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return IsZip(start[..n]) || (n > 0 && start[0] == (byte)PickleOpcode.PROTO);
    }

    /// <summary>Opens <paramref name="path"/> and checks that it is a PyTorch zip archive: one
    /// <c>{prefix}/data.pkl</c> record, no record named twice, sizes inside the file, a little-endian byte order.</summary>
    /// <exception cref="InvalidFileException">It is not; the message says why.</exception>
    public static TorchArchive Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            Span<byte> start = stackalloc byte[4];
            int n = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            if (n > 0 && start[0] == (byte)PickleOpcode.PROTO)
                throw new InvalidFileException(path, null, "is a PyTorch checkpoint in the legacy format (a bare pickle, written by " +
                    "torch.save before PyTorch 1.6 or with _use_new_zipfile_serialization=False), which BertCore does not read: " +
                    "save it again with torch.save in PyTorch 1.6 or later, or as safetensors");
            if (!IsZip(start[..n]))
                throw new InvalidFileException(path, null, "is not a zip archive, so not a PyTorch checkpoint (torch.save writes zip archives)");
            stream.Position = 0;
            var zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
            try
            {
                return Validate(path, zip, stream.Length);
            }
            catch
            {
                zip.Dispose();
                throw;
            }
        }
        catch (InvalidDataException e)   // from the end-of-central-directory record (at construction) or the central directory (read on first use)
        {
            stream.Dispose();
            throw new InvalidFileException(path, null, $"is a truncated or damaged zip archive: {e.Message}", e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static TorchArchive Validate(string path, ZipArchive zip, long fileBytes)
    {
        var records = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (!records.TryAdd(entry.FullName, entry))
                throw new InvalidFileException(path, null, $"the zip archive holds two records named '{entry.FullName}'");
            if (entry.CompressedLength > fileBytes)
                throw new InvalidFileException(path, null, $"record '{entry.FullName}' claims {entry.CompressedLength} bytes, more than the whole file ({fileBytes})");
        }
        var pickles = records.Keys.Where(name => name.EndsWith("/data.pkl", StringComparison.Ordinal) && name.IndexOf('/') == name.Length - 9).ToArray();
        if (pickles.Length != 1)
            throw new InvalidFileException(path, null, pickles.Length == 0
                ? $"is a zip archive but not a PyTorch checkpoint: it has no '<name>/data.pkl' record (it has {Listing(records.Keys)})"
                : $"has {pickles.Length} pickle records ({string.Join(", ", pickles)}); a PyTorch checkpoint has one");
        var archive = new TorchArchive(path, zip, records, pickles[0][..^"data.pkl".Length]);
        archive.CheckByteOrder();
        return archive;
    }

    /// <summary>The data.pkl record's bytes.</summary>
    public byte[] ReadPickle()
    {
        var entry = _records[PickleRecord];
        if (entry.Length > MaxPickleBytes)
            throw new InvalidFileException(Path, null, $"record '{PickleRecord}' has {entry.Length} bytes, more than the {MaxPickleBytes} BertCore reads");
        var bytes = new byte[entry.Length];
        Read(entry, 0, bytes);
        return bytes;
    }

    /// <summary>The name of the record holding storage <paramref name="key"/>.</summary>
    public string StorageRecord(string key) => $"{_prefix}data/{key}";

    /// <summary>The byte length of storage <paramref name="key"/>'s record.</summary>
    /// <exception cref="InvalidFileException">There is no such record, or it is compressed (torch.save never
    /// compresses storages, and a compressed length cannot be checked against the file's size).</exception>
    public long StorageBytes(string key)
    {
        var name = StorageRecord(key);
        if (key.Length == 0 || key.Contains('/') || !_records.TryGetValue(name, out var entry))
            throw new InvalidFileException(Path, null, $"storage '{key}' has no record '{name}'");
        if (entry.CompressedLength != entry.Length)
            throw new InvalidFileException(Path, null, $"record '{name}' is compressed; torch.save stores storages uncompressed");
        return entry.Length;
    }

    /// <summary>Fills <paramref name="into"/> with the bytes of storage <paramref name="key"/> from byte
    /// <paramref name="start"/> on (checked with <see cref="StorageBytes"/> first).</summary>
    public void ReadStorage(string key, long start, Span<byte> into) => Read(_records[StorageRecord(key)], start, into);

    private void Read(ZipArchiveEntry entry, long start, Span<byte> into)
    {
        try
        {
            using var stream = entry.Open();
            if (stream.CanSeek) stream.Seek(start, SeekOrigin.Begin);
            else Skip(stream, start);
            stream.ReadExactly(into);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or IOException)
        {
            throw new InvalidFileException(Path, null, $"record '{entry.FullName}' cannot be read: {e.Message}", e);
        }
    }

    private static void Skip(Stream stream, long count)
    {
        Span<byte> scratch = stackalloc byte[4096];
        for (long left = count; left > 0; left -= scratch.Length)
            stream.ReadExactly(scratch[..(int)Math.Min(scratch.Length, left)]);
    }

    /// <summary>The byteorder record, when present, must say "little".</summary>
    private void CheckByteOrder()
    {
        if (!_records.TryGetValue(_prefix + "byteorder", out var entry)) return;   // before PyTorch 2.1: always little-endian
        var bytes = new byte[Math.Min(entry.Length, 16)];
        Read(entry, 0, bytes);
        var order = Encoding.ASCII.GetString(bytes).Trim();
        if (entry.Length > 16 || order != "little")
            throw new InvalidFileException(Path, null, $"record '{entry.FullName}' says the byte order is '{order}'; BertCore reads little-endian checkpoints");
    }

    private static bool IsZip(ReadOnlySpan<byte> start) => start.SequenceEqual(ZipMagic) || start.SequenceEqual(EmptyZipMagic);

    private static string Listing(IEnumerable<string> names)
    {
        var all = names.ToArray();
        return all.Length == 0 ? "no records" : string.Join(", ", all.Take(5).Select(n => $"'{n}'")) + (all.Length > 5 ? $" and {all.Length - 5} more" : "");
    }

    /// <summary>Closes the archive's file.</summary>
    public void Dispose() => _zip.Dispose();
}
