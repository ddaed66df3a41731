using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// Per-step bump allocator for activations and their gradients. Memory comes from the backend in large chunks;
/// tensor handles are pooled. After warm-up, a step that allocates the same tensors as the one before it makes
/// no managed or native allocation: <see cref="Reset"/> merges the chunks into one block of the high-water size.
/// Inference can free a stretch of a step early (<see cref="Mark"/>, <see cref="Keep"/>), so that the high-water size
/// is what one layer needs rather than the whole forward. Not thread-safe: each thread that runs the model uses its own arena.
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
    private int _current;        // the chunk that allocations come from; the chunks after it hold nothing in use
    private long _chunkOffset;   // bytes used in the current chunk
    private long _bytesInUse;    // bytes used in all chunks this step
    private long _peakBytes;     // the most bytes in use at once this step
    private int _step;           // Resets so far: a mark is valid within its step only

    public Arena(IBackend backend, long initialBytes = 0)
    {
        _backend = backend;
        if (initialBytes > 0) _chunks.Add(backend.Allocate(initialBytes));
    }

    /// <summary>Bytes handed out since the last Reset.</summary>
    public long BytesInUse => _bytesInUse;

    /// <summary>The most bytes in use at once since the last Reset: the size <see cref="Reset"/> keeps.</summary>
    public long PeakBytesInUse => _peakBytes;

    /// <summary>Bytes held from the backend.</summary>
    public long BytesReserved => _chunks.Sum(c => c.Bytes);

    /// <summary>Tensor handles ever created (stays constant once the step shape is stable).</summary>
    public int HandleCount => _handles.Count;

    /// <summary>A tensor of the given shape; its contents are zero when <paramref name="zero"/> is set, else undefined.</summary>
    public Tensor Allocate(Shape shape, DType dtype = DType.F32, bool zero = false)
    {
        long bytes = shape.Count * dtype.Size();
        long padded = (bytes + Alignment - 1) / Alignment * Alignment;
        if (_chunks.Count == 0 || _chunkOffset + padded > _chunks[_current].Bytes)
        {
            if (_current + 1 < _chunks.Count && padded <= _chunks[_current + 1].Bytes) _current++;   // freed by a Keep
            else
            {
                long previous = _chunks.Count == 0 ? 0 : _chunks[^1].Bytes;
                _chunks.Add(_backend.Allocate(Math.Max(Math.Max(padded, MinimumChunkBytes), previous * 2)));
                _current = _chunks.Count - 1;
            }
            _chunkOffset = 0;
        }
        var t = Handle(_chunks[_current], _chunkOffset, shape, dtype);
        _chunkOffset += padded;
        _bytesInUse += padded;
        _peakBytes = Math.Max(_peakBytes, _bytesInUse);
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

    /// <summary>Where the next allocation goes: pass it to <see cref="Keep"/> once the tensors allocated after it are
    /// spent. Valid until the next Reset.</summary>
    public ArenaMark Mark() => new(_step, _current, _chunkOffset, _bytesInUse);

    /// <summary>
    /// Frees every tensor allocated since <paramref name="mark"/> except <paramref name="kept"/> (one of them), which
    /// moves down to the mark (a copy on the backend) and is returned; the other tensors of that stretch are invalid
    /// afterwards, their memory reused by the next allocations. Tensor handles are not reused before Reset. For
    /// inference, where no tape holds the stretch's tensors (an encoder layer's intermediates once its output exists).
    /// </summary>
    /// <exception cref="ArgumentException">The mark is from before the last Reset, or <paramref name="kept"/> is not an
    /// arena tensor allocated after it.</exception>
    public Tensor Keep(ArenaMark mark, Tensor kept)
    {
        if (mark.Step != _step || mark.BytesInUse > _bytesInUse)
            throw new ArgumentException("the mark is from an earlier step of the arena, or from after a later Keep", nameof(mark));
        int chunk = _chunks.FindIndex(c => ReferenceEquals(c, kept.Storage));
        if (chunk < mark.Chunk || (chunk == mark.Chunk && kept.ByteOffset < mark.ChunkOffset))
            throw new ArgumentException($"{kept} was not allocated in this arena after the mark", nameof(kept));
        var (current, offset, inUse) = (_current, _chunkOffset, _bytesInUse);
        (_current, _chunkOffset, _bytesInUse) = (mark.Chunk, mark.ChunkOffset, mark.BytesInUse);
        var moved = Allocate(kept.Shape, kept.DType);
        if (ReferenceEquals(moved.Storage, kept.Storage) && moved.ByteOffset + kept.Bytes > kept.ByteOffset)
        {
            // The rest of the stretch is shorter than the kept tensor: the copy would overwrite its source. Free nothing.
            (_current, _chunkOffset, _bytesInUse) = (current, offset, inUse);
            return kept;
        }
        _backend.Copy(kept, moved);
        return moved;
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
            foreach (var c in _chunks) c.Dispose();
            _chunks.Clear();
            _chunks.Add(_backend.Allocate(_peakBytes));
        }
        for (int i = 0; i < _handlesUsed; i++) _handles[i].Grad = null;
        for (int i = 0; i < _listsUsed; i++) Array.Clear(_lists[i]);
        _handlesUsed = 0;
        _listsUsed = 0;
        _current = 0;
        _chunkOffset = 0;
        _bytesInUse = 0;
        _peakBytes = 0;
        _step++;
    }

    public void Dispose()
    {
        foreach (var c in _chunks) c.Dispose();
        _chunks.Clear();
        _handles.Clear();
        _lists.Clear();
    }
}

/// <summary>A place in an <see cref="Arena"/>'s allocations (<see cref="Arena.Mark"/>).</summary>
/// <param name="Step">The arena's Reset count when the mark was taken.</param>
/// <param name="Chunk">The chunk the next allocation would come from.</param>
/// <param name="ChunkOffset">Its offset in that chunk.</param>
/// <param name="BytesInUse">The arena's bytes in use then.</param>
public readonly record struct ArenaMark(int Step, int Chunk, long ChunkOffset, long BytesInUse);
