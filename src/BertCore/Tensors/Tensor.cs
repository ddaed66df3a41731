using System.Runtime.InteropServices;

namespace BertCore.Tensors;

/// <summary>
/// A contiguous, row-major view of device memory: a storage, a byte offset into it, a shape and an element type.
/// Tensors made by an arena (<c>Backends.Arena</c>) are pooled handles: after the arena's Reset they are reused for other
/// data, so do not keep them across steps. Tensors made by the static factories own their storage.
/// </summary>
public sealed unsafe class Tensor : IDisposable
{
    private bool _ownsStorage;

    internal Tensor(Storage storage, long byteOffset, Shape shape, DType dtype, bool ownsStorage)
    {
        Storage = storage;
        Reinitialize(storage, byteOffset, shape, dtype);
        _ownsStorage = ownsStorage;
    }

    public Storage Storage { get; private set; }
    public long ByteOffset { get; private set; }
    public Shape Shape { get; private set; }
    public DType DType { get; private set; }

    /// <summary>True when gradients flow to this tensor (a trainable parameter or a result computed from one).</summary>
    public bool RequiresGrad { get; set; }

    /// <summary>The gradient buffer, same shape: persistent for parameters, from the arena for intermediates.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>
    /// True once <see cref="MarkConstant"/> promised that the values never change again (the weights of a model loaded
    /// for inference): backends may then keep derived forms, such as the CPU backend's packed GEMM panels. Making
    /// such a tensor trainable, or updating it with AdamW, throws.
    /// </summary>
    public bool IsConstant { get; private set; }

    /// <summary>Promises that the values never change again (see <see cref="IsConstant"/>).</summary>
    public void MarkConstant() => IsConstant = true;

    /// <summary>What keeps this tensor's persistent gradient, if anything (the parameter whose value it is).</summary>
    internal IGradientOwner? Owner { get; set; }

    public long Count => Shape.Count;
    public long Bytes => Count * DType.Size();
    public DeviceKind Device => Storage.Device;

    internal void Reinitialize(Storage storage, long byteOffset, Shape shape, DType dtype)
    {
        if (IsConstant) throw new InvalidOperationException($"a constant tensor of shape {Shape} cannot be reused");
        if (byteOffset < 0 || byteOffset + shape.Count * dtype.Size() > storage.Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset),
                $"a {dtype} tensor of shape {shape} at byte {byteOffset} does not fit a storage of {storage.Bytes} bytes");
        Storage = storage;
        ByteOffset = byteOffset;
        Shape = shape;
        DType = dtype;
        RequiresGrad = false;
        Grad = null;
        Owner = null;
    }

    /// <summary>
    /// Rehomes this tensor in <paramref name="storage"/> at <paramref name="byteOffset"/> (where the caller has put its
    /// values), keeping the object, shape, flags and owner, so that whoever holds it (a parameter) now reaches the new
    /// memory. The old storage is freed if this tensor owned it; the tensor owns its share of the new one.
    /// </summary>
    internal void MoveTo(Storage storage, long byteOffset)
    {
        if (byteOffset < 0 || byteOffset + Bytes > storage.Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"a {DType} tensor of shape {Shape} at byte {byteOffset} does not fit a storage of {storage.Bytes} bytes");
        if (_ownsStorage) Storage.Dispose();
        Storage = storage;
        ByteOffset = byteOffset;
        _ownsStorage = true;
    }

    // ---- host access (CPU tensors only) ----

    private byte* HostPointer => Storage is CpuStorage cpu
        ? cpu.Pointer + ByteOffset
        : throw new InvalidOperationException($"tensor {Shape} lives on {Device}; copy it to the host first");

    /// <summary>First element of a CPU fp32 tensor.</summary>
    public float* Data => DType == DType.F32 ? (float*)HostPointer : throw DTypeMismatch(DType.F32);

    /// <summary>First element of a CPU int32 tensor.</summary>
    public int* IntData => DType == DType.I32 ? (int*)HostPointer : throw DTypeMismatch(DType.I32);

    public Span<float> Span => new(Data, checked((int)Count));
    public Span<int> IntSpan => new(IntData, checked((int)Count));

    private InvalidOperationException DTypeMismatch(DType wanted) =>
        new($"tensor {Shape} holds {DType}, not {wanted}");

    // ---- views ----

    /// <summary>A view of the same memory with another shape of the same element count.</summary>
    public Tensor Reshape(params ReadOnlySpan<int> dims)
    {
        var shape = new Shape(dims);
        if (shape.Count != Count) throw new ArgumentException($"cannot reshape {Shape} to {shape}");
        return new Tensor(Storage, ByteOffset, shape, DType, ownsStorage: false);
    }

    /// <summary>A view of rows [start, start+count) along the first dimension.</summary>
    public Tensor SliceRows(int start, int count)
    {
        if (Shape.Rank == 0 || start < 0 || count < 0 || start + count > Shape[0])
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) of {Shape}");
        long rowBytes = Bytes / Math.Max(Shape[0], 1);
        return new Tensor(Storage, ByteOffset + start * rowBytes, Shape.With(0, count), DType, ownsStorage: false);
    }

    // ---- owning host tensors ----

    public static Tensor Zeros(Shape shape, DType dtype = DType.F32) =>
        new(new CpuStorage(shape.Count * dtype.Size()), 0, shape, dtype, ownsStorage: true);

    public static Tensor Zeros(params ReadOnlySpan<int> dims) => Zeros(new Shape(dims));

    public static Tensor FromArray(float[] data, params ReadOnlySpan<int> dims)
    {
        var t = Zeros(new Shape(dims));
        if (data.Length != t.Count) throw new ArgumentException($"{data.Length} values for shape {t.Shape}");
        data.CopyTo(t.Span);
        return t;
    }

    public static Tensor FromArray(int[] data, params ReadOnlySpan<int> dims)
    {
        var t = Zeros(new Shape(dims), DType.I32);
        if (data.Length != t.Count) throw new ArgumentException($"{data.Length} values for shape {t.Shape}");
        data.CopyTo(t.IntSpan);
        return t;
    }

    public float[] ToArray() => Span.ToArray();
    public int[] ToIntArray() => IntSpan.ToArray();

    /// <summary>The value of a one-element CPU tensor.</summary>
    public float Item() => Count == 1 ? Data[0] : throw new InvalidOperationException($"Item() on a tensor of shape {Shape}");

    public override string ToString() => $"Tensor{Shape} {DType} on {Device}";

    public void Dispose()
    {
        if (_ownsStorage)
        {
            Storage.Dispose();
            _ownsStorage = false;
        }
    }
}
