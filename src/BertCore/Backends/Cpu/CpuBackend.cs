using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

/// <summary>
/// The CPU backend: SIMD kernels over native memory. Each group of ops lives in its own CpuBackend.*.cs file.
/// Results are deterministic: work is split over threads by output rows, never by reduction order.
/// Thread-safe: kernels keep no state between calls.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    public string Name => "cpu";
    public DeviceKind Device => DeviceKind.Cpu;

    public Storage Allocate(long bytes) => new CpuStorage(bytes, zero: false);

    public void Zero(Tensor t) => new Span<byte>((byte*)t.Data, checked((int)t.Bytes)).Clear();

    public void Copy(Tensor src, Tensor dst)
    {
        RequireCount(src, dst.Count, "Copy");
        new ReadOnlySpan<byte>(Raw(src), checked((int)src.Bytes)).CopyTo(new Span<byte>(Raw(dst), checked((int)dst.Bytes)));
    }

    public void Upload(ReadOnlySpan<float> host, Tensor dst)
    {
        if (host.Length != dst.Count) throw new ArgumentException($"Upload: {host.Length} values for {dst.Shape}");
        host.CopyTo(dst.Span);
    }

    public void Upload(ReadOnlySpan<int> host, Tensor dst)
    {
        if (host.Length != dst.Count) throw new ArgumentException($"Upload: {host.Length} values for {dst.Shape}");
        host.CopyTo(dst.IntSpan);
    }

    public void Download(Tensor src, Span<float> host) => src.Span.CopyTo(host);

    public void Dispose() { }

    private static byte* Raw(Tensor t) => t.DType == DType.F32 ? (byte*)t.Data : (byte*)t.IntData;

    private static void RequireCount(Tensor t, long count, string op)
    {
        if (t.Count != count) throw new ArgumentException($"{op}: tensor {t.Shape} should hold {count} elements");
    }
}
