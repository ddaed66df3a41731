using BertCore.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

/// <summary>Device memory of an ILGPU accelerator: a buffer of fp32 words (int32 tensors view the same words).
/// Not addressable from the host: copy through <see cref="IBackend.Download"/>.</summary>
public sealed class GpuStorage : Storage
{
    internal GpuStorage(Accelerator accelerator, long bytes) : base(bytes)
    {
        Accelerator = accelerator;
        Buffer = accelerator.Allocate1D<float>(Math.Max((bytes + 3) / 4, 1));
    }

    internal Accelerator Accelerator { get; }
    internal MemoryBuffer1D<float, Stride1D.Dense> Buffer { get; }

    public override DeviceKind Device => DeviceKind.Cuda;

    public override void Dispose() => Buffer.Dispose();
}
