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

    /// <summary>Copies bytes [<paramref name="byteOffset"/>, + destination length) into host memory, after the work
    /// queued on the device that writes them (for saving device tensors).</summary>
    public abstract void CopyToHost(long byteOffset, Span<byte> destination);

    /// <summary>Copies <paramref name="source"/> into the bytes from <paramref name="byteOffset"/> on (for loading
    /// device tensors); <paramref name="source"/> may be reused when this returns.</summary>
    public abstract void CopyFromHost(ReadOnlySpan<byte> source, long byteOffset);

    public abstract void Dispose();

    /// <summary>Throws unless [byteOffset, byteOffset + count) lies inside the block.</summary>
    protected void RequireRange(long byteOffset, int count)
    {
        if (byteOffset < 0 || byteOffset + count > Bytes)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"bytes {byteOffset}..{byteOffset + count} outside a block of {Bytes}");
    }
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

    public override void CopyToHost(long byteOffset, Span<byte> destination)
    {
        RequireRange(byteOffset, destination.Length);
        new ReadOnlySpan<byte>(Pointer + byteOffset, destination.Length).CopyTo(destination);
    }

    public override void CopyFromHost(ReadOnlySpan<byte> source, long byteOffset)
    {
        RequireRange(byteOffset, source.Length);
        source.CopyTo(new Span<byte>(Pointer + byteOffset, source.Length));
    }

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
