using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using BertCore.Tensors;

namespace BertCore.IO;

/// <summary>
/// A safetensors file opened for reading. The header is read and fully validated first (see
/// <see cref="Open"/>); the file is then memory-mapped and tensors are copied from the mapping straight into
/// native tensor memory, so loading a model costs little more memory than the model itself: each read maps only
/// its own tensor's bytes and unmaps them afterwards, so the mapped pages of the whole file are never resident at once.
/// Layout: u64 little-endian header length n, n bytes of UTF-8 JSON, then the data section. Reads may run
/// concurrently; the file must not be truncated while it is open.
/// </summary>
public sealed unsafe class SafeTensorsFile : IWeightFile
{
    private readonly string _path;
    private readonly MemoryMappedFile _map;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorsEntry> _entries;
    private bool _disposed;

    private SafeTensorsFile(string path, MemoryMappedFile map, long dataStart,
        List<SafeTensorsEntry> entries, Dictionary<string, string> metadata)
    {
        _path = path;
        _map = map;
        _dataStart = dataStart;
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Names = entries.Select(e => e.Name).ToArray();
        Metadata = metadata;
    }

    /// <summary>
    /// Opens <paramref name="path"/> and validates its header: the length prefix (at most 100 MB and inside the
    /// file), the JSON, and every tensor's dtype, shape and data offsets (inside the data section, matching
    /// dtype size × element count, not overlapping another tensor).
    /// </summary>
    /// <exception cref="InvalidFileException">The file is not a valid safetensors file; the message says why.</exception>
    public static SafeTensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this machine is not");

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long fileBytes = stream.Length;
            if (fileBytes < 8)
                throw new InvalidFileException(path, null,
                    $"the file is {fileBytes} bytes, too short to hold the 8-byte header length");
            Span<byte> prefix = stackalloc byte[8];
            stream.ReadExactly(prefix);
            ulong headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerBytes > SafeTensorsHeader.MaxBytes)
                throw new InvalidFileException(path, null,
                    $"the header length {headerBytes} exceeds the {SafeTensorsHeader.MaxBytes}-byte limit");
            if ((long)headerBytes > fileBytes - 8)
                throw new InvalidFileException(path, null,
                    $"the header length {headerBytes} runs past the end of the file ({fileBytes} bytes)");

            var json = new byte[headerBytes];
            stream.ReadExactly(json);
            long dataStart = 8 + (long)headerBytes;
            var (entries, metadata) = SafeTensorsHeader.Parse(path, json, fileBytes - dataStart);

            var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            return new SafeTensorsFile(path, map, dataStart, entries, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Tensor names in the order their data appears in the file.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The header's "__metadata__" map (empty when the file has none).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>True when the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <summary>The stored dtype and shape of tensor <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    public TensorInfo Info(string name)
    {
        var entry = Find(name);
        return new TensorInfo(entry.DType, (int[])entry.Shape.Clone());
    }

    /// <summary>
    /// A new CPU tensor, owning its memory, with the contents of tensor <paramref name="name"/>: F32, F16 and
    /// BF16 load as F32 (exactly); I32 and I64 load as I32 (an I64 value outside the int32 range is an error).
    /// </summary>
    /// <exception cref="NotSupportedException">The tensor's dtype or rank is one BertCore cannot load.</exception>
    /// <exception cref="InvalidFileException">An I64 value does not fit in int32.</exception>
    public Tensor Read(string name)
    {
        var entry = Find(name);
        return WeightFile.ReadNew(_path, name, entry.Shape, () => LoadType(entry), t => ReadInto(name, t));
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> from the mapping into <paramref name="destination"/>, a tensor of
    /// the same shape and of the type <see cref="Read"/> would produce. No managed buffer is involved; a device
    /// destination is filled through a host copy (<see cref="Storage.CopyFromHost"/>). When an
    /// error is thrown part-way (an I64 value out of range), the destination's contents are unspecified.
    /// </summary>
    /// <exception cref="ArgumentException">The destination's type or shape does not fit.</exception>
    /// <exception cref="NotSupportedException">The tensor's dtype is one BertCore cannot load.</exception>
    /// <exception cref="InvalidFileException">An I64 value does not fit in int32.</exception>
    public void ReadInto(string name, Tensor destination)
    {
        var entry = Find(name);
        var dtype = LoadType(entry);
        if (destination.DType != dtype)
            throw new ArgumentException($"{_path}: tensor '{name}' ({entry.DType}) loads as {dtype}, but the destination holds {destination.DType}", nameof(destination));
        if (!destination.Shape.ToArray().AsSpan().SequenceEqual(entry.Shape))
            throw new ArgumentException($"{_path}: tensor '{name}' has shape {SafeTensorsHeader.Format(entry.Shape)}, but the destination has shape {destination.Shape}", nameof(destination));

        long count = destination.Count;
        if (count == 0) return;
        if (destination.Storage is not CpuStorage)
        {
            using var host = Tensor.Zeros(destination.Shape, destination.DType);
            ReadInto(name, host);
            destination.Storage.CopyFromHost(new ReadOnlySpan<byte>(((CpuStorage)host.Storage).Pointer, checked((int)host.Bytes)), destination.ByteOffset);
            return;
        }
        using var view = _map.CreateViewAccessor(_dataStart + entry.Begin, entry.End - entry.Begin, MemoryMappedFileAccess.Read);
        var handle = view.SafeMemoryMappedViewHandle;
        byte* mapped = null;
        handle.AcquirePointer(ref mapped);
        try
        {
            long bad = ElementDecoding.Decode(entry.DType, mapped + view.PointerOffset, ElementDecoding.Target(destination), count, out long value);
            if (bad >= 0)
                throw new InvalidFileException(_path, null,
                    $"tensor '{name}': element {bad} is {value}, outside the int32 range BertCore loads I64 into");
        }
        finally
        {
            handle.ReleasePointer();
        }
    }

    /// <summary>
    /// Tensor <paramref name="name"/>'s stored bytes, read in place through the mapping (for data that is used where
    /// it lies, such as a vector index's rows; <see cref="Read"/> copies instead). Any dtype. The view must be
    /// disposed before this file.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No tensor has that name.</exception>
    internal MappedTensor Map(string name)
    {
        var entry = Find(name);
        if (entry.Begin == entry.End) return new MappedTensor(entry.DType, (int[])entry.Shape.Clone(), null, 0);
        var view = _map.CreateViewAccessor(_dataStart + entry.Begin, entry.End - entry.Begin, MemoryMappedFileAccess.Read);
        return new MappedTensor(entry.DType, (int[])entry.Shape.Clone(), view, entry.End - entry.Begin);
    }

    private SafeTensorsEntry Find(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{_path}: no tensor named '{name}'");
    }

    private DType LoadType(SafeTensorsEntry entry) =>
        SafeTensorsDTypes.LoadsAs(entry.DType)
        ?? throw new NotSupportedException(
            $"{_path}: tensor '{entry.Name}' is stored as {entry.DType}, which BertCore cannot load (it reads {SafeTensorsDTypes.Loadable})");

    /// <summary>Unmaps the file. Tensors already read stay valid: they own their memory.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _map.Dispose();
    }
}
