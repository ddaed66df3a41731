using BertCore.Tensors;

namespace BertCore.IO.PyTorch;

/// <summary>
/// A PyTorch state dict (<c>pytorch_model.bin</c> written by <c>torch.save</c>, zip format) read as named tensors.
/// The pickle is run by <see cref="PickleReader"/>, which never runs code; every tensor is then checked against
/// its storage record: the storage's byte size equals its element count times its element size, the view
/// (offset, shape, strides) stays inside the storage, and the view's element count neither overflows nor exceeds
/// the storage's (so nothing is allocated beyond the file's own size). F32, F16, BF16 storages load as F32
/// (exactly), I64 and I32 as I32; views with offsets and strides and tensors sharing a storage load as
/// torch.load would give them. Tensor data is read from the archive when asked for.
/// </summary>
public sealed unsafe class TorchStateDict : IWeightFile
{
    private const int Chunk = 1 << 20;

    private sealed record Entry(string Name, TorchStorageRef Storage, long Offset, int[] Shape, long[] Stride, int ElementSize)
    {
        public long Count => Shape.Aggregate(1L, (n, d) => n * d);

        /// <summary>Whether the view's elements lie back to back in row-major order.</summary>
        public bool Contiguous
        {
            get
            {
                long expected = 1;
                for (int i = Shape.Length - 1; i >= 0; i--)
                {
                    if (Shape[i] != 1 && Stride[i] != expected) return false;
                    expected *= Shape[i];
                }
                return true;
            }
        }
    }

    private readonly TorchArchive _archive;
    private readonly Dictionary<string, Entry> _entries;
    private bool _disposed;

    private TorchStateDict(TorchArchive archive, List<Entry> entries)
    {
        _archive = archive;
        _entries = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
        Names = entries.Select(e => e.Name).ToArray();
    }

    /// <summary>
    /// Opens the checkpoint <paramref name="path"/>, runs its pickle and checks every tensor against its storage
    /// record (see the class summary). No tensor data is read yet.
    /// </summary>
    /// <exception cref="InvalidFileException">The file is not a PyTorch zip checkpoint holding a state dict of
    /// tensors, or uses anything else; the message names the file and the record, opcode, global or tensor.</exception>
    public static TorchStateDict Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("PyTorch checkpoints are little-endian; this machine is not");
        var archive = TorchArchive.Open(path);
        try
        {
            var root = PickleReader.Load(path, archive.PickleRecord, archive.ReadPickle());
            if (root is not PickleDict dict)
                throw new InvalidFileException(path, null, $"'{archive.PickleRecord}' holds {PickleReader.Describe(root)}, not a state dict");
            var storages = new Dictionary<string, TorchStorageRef>(StringComparer.Ordinal);
            var entries = dict.Keys.Select(name => Check(archive, name, dict[name], storages)).ToList();
            return new TorchStateDict(archive, entries);
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <summary>Checks one state-dict value against its storage; see the class summary.</summary>
    private static Entry Check(TorchArchive archive, string name, object? value, Dictionary<string, TorchStorageRef> storages)
    {
        InvalidFileException Bad(string problem) => new(archive.Path, null, $"tensor '{name}': {problem}");
        if (value is not TorchTensorRef tensor)
            throw new InvalidFileException(archive.Path, null, $"state dict entry '{name}' is {PickleReader.Describe(value)}, not a tensor");
        var storage = tensor.Storage;
        if (storages.TryGetValue(storage.Key, out var seen) && seen != storage)
            throw Bad($"storage '{storage.Key}' is {storage.Numel} {storage.DType} elements here but {seen.Numel} {seen.DType} elements for an earlier tensor");
        storages[storage.Key] = storage;
        SafeTensorsDTypes.TryGetSize(storage.DType, out int elementSize);
        long recordBytes = archive.StorageBytes(storage.Key);
        if (storage.Numel > recordBytes / elementSize || storage.Numel * elementSize != recordBytes)
            throw Bad($"storage '{storage.Key}' claims {storage.Numel} {storage.DType} elements, but its record '{archive.StorageRecord(storage.Key)}' holds {recordBytes} bytes");

        string geometry = $"offset {tensor.Offset}, shape [{string.Join(", ", tensor.Size)}], stride [{string.Join(", ", tensor.Stride)}]";
        if (tensor.Offset < 0 || tensor.Size.Any(d => d < 0) || tensor.Stride.Any(s => s < 0))
            throw Bad($"a negative offset, dimension or stride ({geometry})");
        long count = 1, last = tensor.Offset;
        try
        {
            for (int i = 0; i < tensor.Size.Length; i++)
            {
                count = checked(count * tensor.Size[i]);
                if (tensor.Size[i] > 0) last = checked(last + (tensor.Size[i] - 1) * tensor.Stride[i]);
            }
        }
        catch (OverflowException)
        {
            throw Bad($"the element count or extent of the view overflows 64 bits ({geometry})");
        }
        if (tensor.Size.Any(d => d > int.MaxValue))
            throw Bad($"a dimension exceeds {int.MaxValue} ({geometry})");
        if (count > 0 ? last >= storage.Numel : tensor.Offset > storage.Numel)
            throw Bad($"the view ({geometry}) reaches element {last} of storage '{storage.Key}', which has {storage.Numel}");
        if (count > storage.Numel)
            throw Bad($"the view ({geometry}) has more elements than its storage ({storage.Numel}): overlapping views are not read");
        return new Entry(name, storage, tensor.Offset, tensor.Size.Select(d => (int)d).ToArray(), tensor.Stride, elementSize);
    }

    /// <summary>Tensor names in the state dict's order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <inheritdoc/>
    public bool Contains(string name) => _entries.ContainsKey(name);

    /// <inheritdoc/>
    public TensorInfo Info(string name)
    {
        var entry = Find(name);
        return new TensorInfo(entry.Storage.DType, (int[])entry.Shape.Clone());
    }

    /// <inheritdoc/>
    public Tensor Read(string name)
    {
        var entry = Find(name);
        return WeightFile.ReadNew(_archive.Path, name, entry.Shape, () => LoadType(entry), t => ReadInto(name, t));
    }

    /// <inheritdoc/>
    public void ReadInto(string name, Tensor destination)
    {
        var entry = Find(name);
        var dtype = LoadType(entry);
        if (destination.DType != dtype)
            throw new ArgumentException($"{_archive.Path}: tensor '{name}' ({entry.Storage.DType}) loads as {dtype}, but the destination holds {destination.DType}", nameof(destination));
        if (!destination.Shape.ToArray().AsSpan().SequenceEqual(entry.Shape))
            throw new ArgumentException($"{_archive.Path}: tensor '{name}' has shape [{string.Join(", ", entry.Shape)}], but the destination has shape {destination.Shape}", nameof(destination));
        if (entry.Count == 0) return;
        if (destination.Storage is not CpuStorage)
        {
            using var host = Tensor.Zeros(destination.Shape, destination.DType);
            ReadInto(name, host);
            destination.Storage.CopyFromHost(new ReadOnlySpan<byte>(((CpuStorage)host.Storage).Pointer, checked((int)host.Bytes)), destination.ByteOffset);
            return;
        }
        lock (_archive)
        {
            if (entry.Contiguous) ReadContiguous(entry, ElementDecoding.Target(destination));
            else ReadStrided(entry, ElementDecoding.Target(destination));
        }
    }

    /// <summary>Streams the view's bytes through a bounded buffer, decoding each chunk into
    /// <paramref name="destination"/> (4 bytes per element).</summary>
    private void ReadContiguous(Entry entry, byte* destination)
    {
        int perChunk = Chunk / entry.ElementSize;
        var buffer = new byte[(int)Math.Min(entry.Count, perChunk) * entry.ElementSize];
        for (long done = 0; done < entry.Count; done += perChunk)
        {
            int n = (int)Math.Min(perChunk, entry.Count - done);
            var bytes = buffer.AsSpan(0, n * entry.ElementSize);
            _archive.ReadStorage(entry.Storage.Key, (entry.Offset + done) * entry.ElementSize, bytes);
            fixed (byte* source = bytes) Decode(entry, source, destination + 4 * done, n, done);
        }
    }

    /// <summary>Reads the stretch of storage the view spans (at most the storage, checked at Open), then decodes
    /// the view's elements one by one in row-major order.</summary>
    private void ReadStrided(Entry entry, byte* destination)
    {
        long last = entry.Offset;
        for (int i = 0; i < entry.Shape.Length; i++) last += (entry.Shape[i] - 1) * entry.Stride[i];
        long spanBytes = (last - entry.Offset + 1) * entry.ElementSize;
        if (spanBytes > Array.MaxLength)
            throw new NotSupportedException($"{_archive.Path}: tensor '{entry.Name}' is a strided view spanning {spanBytes} bytes; BertCore reads strided views of up to {Array.MaxLength}");
        var span = new byte[spanBytes];
        _archive.ReadStorage(entry.Storage.Key, entry.Offset * entry.ElementSize, span);
        var index = new int[entry.Shape.Length];   // the odometer over the view's dimensions
        fixed (byte* source = span)
        {
            long at = 0;   // element of the span under the odometer
            for (long i = 0; i < entry.Count; i++)
            {
                Decode(entry, source + at * entry.ElementSize, destination + 4 * i, 1, i);
                for (int d = entry.Shape.Length - 1; d >= 0; d--)
                {
                    at += entry.Stride[d];
                    if (++index[d] < entry.Shape[d]) break;
                    at -= entry.Stride[d] * entry.Shape[d];
                    index[d] = 0;
                }
            }
        }
    }

    private void Decode(Entry entry, byte* source, byte* destination, long count, long first)
    {
        long bad = ElementDecoding.Decode(entry.Storage.DType, source, destination, count, out long value);
        if (bad >= 0)
            throw new InvalidFileException(_archive.Path, null,
                $"tensor '{entry.Name}': element {first + bad} is {value}, outside the int32 range BertCore loads I64 into");
    }

    private Entry Find(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _entries.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"{_archive.Path}: no tensor named '{name}'");
    }

    private static DType LoadType(Entry entry) =>
        SafeTensorsDTypes.LoadsAs(entry.Storage.DType) ?? throw new InvalidOperationException($"storage type {entry.Storage.DType} passed the allow-list but has no load type");

    /// <summary>Closes the archive. Tensors already read stay valid: they own their memory.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _archive.Dispose();
    }
}
