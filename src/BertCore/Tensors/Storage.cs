using System.Runtime.InteropServices;

namespace BertCore.Tensors;

/// <summary>Where tensors live.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
}

/// <summary>A block of device memory that one or more tensors view. Disposing frees it.</summary>
public abstract class Storage : IDisposable
{
    protected Storage(long bytes) => Bytes = bytes;

    public long Bytes { get; }
    public abstract DeviceKind Device { get; }
    public abstract void Dispose();
}

/// <summary>Native, 64-byte aligned host memory (one cache line, one Vector512).</summary>
public sealed unsafe class CpuStorage : Storage
{
    public const int Alignment = 64;
    private byte* _pointer;

    public CpuStorage(long bytes, bool zero = true) : base(bytes)
    {
        _pointer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(bytes, 1), Alignment);
        if (zero) NativeMemory.Clear(_pointer, (nuint)bytes);
    }

    public override DeviceKind Device => DeviceKind.Cpu;

    public byte* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(CpuStorage));

    public override void Dispose()
    {
        if (_pointer != null)
        {
            NativeMemory.AlignedFree(_pointer);
            _pointer = null;
        }
        GC.SuppressFinalize(this);
    }

    ~CpuStorage() => Dispose();
}
