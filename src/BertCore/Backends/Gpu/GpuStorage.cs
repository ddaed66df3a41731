using System.Runtime.InteropServices;
using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

/// <summary>Device memory of an ILGPU accelerator: a buffer of fp32 words (int32 tensors view the same words).
/// Not addressable from the host: copy through <see cref="IBackend.Download"/>, or <see cref="CopyToHost"/> and
/// <see cref="CopyFromHost"/> (whole fp32 words: offsets and lengths are multiples of 4 bytes). A storage shared by
/// several owning tensors (the tensors <see cref="GpuBackend.MoveToDevice"/> places together) is freed when the
/// last of them disposes it.</summary>
public sealed class GpuStorage : Storage
{
    private int _owners;

    internal GpuStorage(Accelerator accelerator, long bytes, int owners = 1) : base(bytes)
    {
        Accelerator = accelerator;
        Buffer = accelerator.Allocate1D<float>(Math.Max((bytes + 3) / 4, 1));
        _owners = owners;
    }

    internal Accelerator Accelerator { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    public override DeviceKind Device => DeviceKind.Cuda;

    /// <summary>Waits for every queued kernel of the accelerator, then copies.</summary>
    public override void CopyToHost(long byteOffset, Span<byte> destination)
    {
        var words = Words(byteOffset, destination.Length);
        Accelerator.Synchronize();
        if (destination.Length > 0)
            words.CopyToCPU(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(destination)), words.Length);
    }

    /// <summary>Queues the copy after the accelerator's work and waits for it.</summary>
    public override void CopyFromHost(ReadOnlySpan<byte> source, long byteOffset)
    {
        var words = Words(byteOffset, source.Length);
        if (source.Length > 0)
            words.CopyFromCPU(ref MemoryMarshal.GetReference(MemoryMarshal.Cast<byte, float>(source)), words.Length);
        Accelerator.Synchronize();
    }

    /// <summary>Releases one owner's share; the last one frees the memory.</summary>
    public override void Dispose()
    {
        if (--_owners == 0) Buffer.Dispose();
    }

    /// <summary>The fp32 words of bytes [byteOffset, byteOffset + count).</summary>
    private ArrayView<float> Words(long byteOffset, int count)
    {
        RequireRange(byteOffset, count);
        if (byteOffset % 4 != 0 || count % 4 != 0) throw new ArgumentException($"device copies move whole 4-byte words, not bytes {byteOffset}..{byteOffset + count}");
        return Buffer.View.SubView(byteOffset / 4, count / 4);
    }
}
