using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// Per-step bump allocator for activations and their gradients. Memory comes from the backend in large chunks;
/// tensor handles are pooled. After warm-up, a step that allocates the same tensors as the one before it makes
/// no managed or native allocation: <see cref="Reset"/> merges the chunks into one block of the high-water size.
/// Not thread-safe: each thread that runs the model uses its own arena.
/// </summary>
public sealed class Arena : IDisposable
{
    private const long Alignment = 64;
    private const long MinimumChunkBytes = 1 << 20;

    private readonly IBackend _backend;
    private readonly List<Storage> _chunks = new();
    private readonly List<Tensor> _handles = new();
    private readonly List<Tensor[]> _lists = new();
    private int _handlesUsed, _listsUsed;
    private long _chunkOffset;   // bytes used in the last chunk
    private long _bytesInUse;    // bytes used in all chunks this step

    public Arena(IBackend backend, long initialBytes = 0)
    {
        _backend = backend;
        if (initialBytes > 0) _chunks.Add(backend.Allocate(initialBytes));
    }

    /// <summary>Bytes handed out since the last Reset.</summary>
    public long BytesInUse => _bytesInUse;

    /// <summary>Bytes held from the backend.</summary>
    public long BytesReserved => _chunks.Sum(c => c.Bytes);

    /// <summary>Tensor handles ever created (stays constant once the step shape is stable).</summary>
    public int HandleCount => _handles.Count;

    /// <summary>A tensor of the given shape; its contents are zero when <paramref name="zero"/> is set, else undefined.</summary>
    public Tensor Allocate(Shape shape, DType dtype = DType.F32, bool zero = false)
    {
        long bytes = shape.Count * dtype.Size();
        long padded = (bytes + Alignment - 1) / Alignment * Alignment;
        if (_chunks.Count == 0 || _chunkOffset + padded > _chunks[^1].Bytes)
        {
            long previous = _chunks.Count == 0 ? 0 : _chunks[^1].Bytes;
            _chunks.Add(_backend.Allocate(Math.Max(Math.Max(padded, MinimumChunkBytes), previous * 2)));
            _chunkOffset = 0;
        }
        var t = Handle(_chunks[^1], _chunkOffset, shape, dtype);
        _chunkOffset += padded;
        _bytesInUse += padded;
        if (zero) _backend.Zero(t);
        return t;
    }

    public Tensor Allocate(params ReadOnlySpan<int> dims) => Allocate(new Shape(dims));

    /// <summary>A pooled view of <paramref name="source"/>'s memory with another shape, starting
    /// <paramref name="elementOffset"/> elements in.</summary>
    public Tensor View(Tensor source, Shape shape, long elementOffset = 0)
    {
        if (elementOffset < 0 || elementOffset + shape.Count > source.Count)
            throw new ArgumentException($"a view {shape} at element {elementOffset} does not fit inside {source.Shape}");
        return Handle(source.Storage, source.ByteOffset + elementOffset * source.DType.Size(), shape, source.DType);
    }

    /// <summary>A pooled array of <paramref name="count"/> tensor slots (null until set), for a list of this
    /// step's tensors such as every layer's output; like the tensors, reused after Reset.</summary>
    public Tensor[] AllocateList(int count)
    {
        if (_listsUsed == _lists.Count) _lists.Add(new Tensor[count]);
        else if (_lists[_listsUsed].Length != count) _lists[_listsUsed] = new Tensor[count];
        return _lists[_listsUsed++];
    }

    private Tensor Handle(Storage storage, long byteOffset, Shape shape, DType dtype)
    {
        if (_handlesUsed < _handles.Count)
        {
            var t = _handles[_handlesUsed++];
            t.Reinitialize(storage, byteOffset, shape, dtype);
            return t;
        }
        var fresh = new Tensor(storage, byteOffset, shape, dtype, ownsStorage: false);
        _handles.Add(fresh);
        _handlesUsed++;
        return fresh;
    }

    /// <summary>Frees everything handed out since the last Reset. Tensors from before are invalid afterwards.</summary>
    public void Reset()
    {
        if (_chunks.Count > 1)
        {
            long total = 0;
            foreach (var c in _chunks) { total += c.Bytes; c.Dispose(); }
            _chunks.Clear();
            _chunks.Add(_backend.Allocate(total));
        }
        for (int i = 0; i < _handlesUsed; i++) _handles[i].Grad = null;
        for (int i = 0; i < _listsUsed; i++) Array.Clear(_lists[i]);
        _handlesUsed = 0;
        _listsUsed = 0;
        _chunkOffset = 0;
        _bytesInUse = 0;
    }

    public void Dispose()
    {
        foreach (var c in _chunks) c.Dispose();
        _chunks.Clear();
        _handles.Clear();
        _lists.Clear();
    }
}
