using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>The memory ops of the backends whose tensors live in host memory (CPU and reference): each checks its
/// arguments through <see cref="MemoryShape"/>, then copies bytes.</summary>
internal static class HostMemory
{
    /// <summary>Every byte of a host tensor (fp32 or int32).</summary>
    public static unsafe Span<byte> Bytes(Tensor t) =>
        new(t.DType == DType.F32 ? (byte*)t.Data : (byte*)t.IntData, checked((int)t.Bytes));

    /// <summary>dst = src (same shape and element type).</summary>
    public static void Copy(Tensor src, Tensor dst)
    {
        MemoryShape.Copy(src, dst);
        Bytes(src).CopyTo(Bytes(dst));
    }

    /// <summary>dst (fp32) = host, element for element.</summary>
    public static void Upload(ReadOnlySpan<float> host, Tensor dst)
    {
        MemoryShape.UploadFloats(host.Length, dst);
        host.CopyTo(dst.Span);
    }

    /// <summary>dst (int32) = host, element for element.</summary>
    public static void Upload(ReadOnlySpan<int> host, Tensor dst)
    {
        MemoryShape.UploadInts(host.Length, dst);
        host.CopyTo(dst.IntSpan);
    }

    /// <summary>host = src (fp32), element for element.</summary>
    public static void Download(Tensor src, Span<float> host)
    {
        MemoryShape.Download(src, host.Length);
        src.Span.CopyTo(host);
    }
}
