using System.IO.MemoryMappedFiles;

namespace BertCore.IO;

/// <summary>
/// One tensor of a safetensors file read in place: a pointer to its bytes in the file's memory mapping, valid until
/// <see cref="Dispose"/> (see <see cref="SafeTensorsFile.Map"/>). Reads through it may run concurrently.
/// </summary>
internal sealed unsafe class MappedTensor : IDisposable
{
    private readonly MemoryMappedViewAccessor? _view;
    private bool _disposed;

    /// <param name="view">The view of the tensor's bytes; null for a tensor of no bytes.</param>
    public MappedTensor(string dtype, int[] shape, MemoryMappedViewAccessor? view, long bytes)
    {
        DType = dtype;
        Shape = shape;
        Bytes = bytes;
        _view = view;
        if (view is null) return;
        byte* mapped = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref mapped);
        Pointer = mapped + view.PointerOffset;
    }

    /// <summary>The stored dtype as the format names it ("F32", "I8", ...).</summary>
    public string DType { get; }

    /// <summary>The dimensions, row-major.</summary>
    public int[] Shape { get; }

    /// <summary>The first byte (null when <see cref="Bytes"/> is 0).</summary>
    public byte* Pointer { get; }

    /// <summary>The tensor's length in bytes.</summary>
    public long Bytes { get; }

    /// <summary>Releases the pointer and unmaps the view.</summary>
    public void Dispose()
    {
        if (_view is null || _disposed) return;
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
    }
}
