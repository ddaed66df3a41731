using System.Runtime.InteropServices;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

/// <summary>
/// The CPU backend: SIMD kernels over native memory. Each group of ops lives in its own CpuBackend.*.cs file.
/// Results are deterministic: work is split over threads by output rows, never by reduction order, so they are
/// the same for any thread count. Thread-safe: kernels keep no state between calls; while one thread runs a
/// kernel on the worker pool, kernels called from other threads run on their own thread.
/// </summary>
public sealed unsafe partial class CpuBackend : IBackend
{
    private readonly WorkerPool _pool;
    private readonly bool _wideTiles;
    private readonly Int8.Int8Path? _int8Path;   // null: the probe's choice, measured on first use

    /// <param name="threads">Threads per kernel, the caller included (a pool of that size is shared by every
    /// backend that asks for it); 0 means one per processor.</param>
    public CpuBackend(int threads = 0) : this(threads, FmaBursts.WideVectorsPay)
    {
    }

    /// <param name="threads">As above.</param>
    /// <param name="int8Path">The int8 kernels' path (by default the fastest, <see cref="Int8.Int8Probe"/>); the bits are
    /// the same on every path (tests run each).</param>
    internal CpuBackend(int threads, Int8.Int8Path int8Path) : this(threads, FmaBursts.WideVectorsPay, int8Path)
    {
    }

    /// <param name="threads">As above.</param>
    /// <param name="wideTiles">Whether GEMMs take whole tiles with 512-bit vectors (<see cref="GemmKernel.WideTile"/>):
    /// by default where they run faster than 256-bit ones; the bits are the same either way (tests run both).</param>
    internal CpuBackend(int threads, bool wideTiles, Int8.Int8Path? int8Path = null)
    {
        if (threads < 0) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be 0 (one per processor) or positive, not {threads}");
        _pool = WorkerPool.Shared(threads == 0 ? Environment.ProcessorCount : threads);
        _wideTiles = wideTiles;
        if (int8Path is { } path && !Int8.Int8Paths.IsSupported(path)) throw new PlatformNotSupportedException($"this CPU has no {path} int8 path");
        _int8Path = int8Path;
    }

    /// <summary>Threads that run each kernel, the calling thread included.</summary>
    public int Threads => _pool.Threads;

    /// <summary>Bytes allocated on the managed heap by this backend's worker threads so far (the calling thread's
    /// own allocations are GC.GetAllocatedBytesForCurrentThread).</summary>
    public long WorkerAllocatedBytes => _pool.WorkerAllocatedBytes;

    public string Name => "cpu";
    public DeviceKind Device => DeviceKind.Cpu;

    private long _storageBytesAllocated;

    /// <summary>Bytes of native memory this backend has allocated so far (arena chunks, tensors, packed weights): fresh
    /// pages the OS must map and zero on first touch, so a loop that keeps allocating shows here.</summary>
    public long StorageBytesAllocated => Interlocked.Read(ref _storageBytesAllocated);

    public Storage Allocate(long bytes)
    {
        Interlocked.Add(ref _storageBytesAllocated, bytes);
        return new CpuStorage(bytes, zero: false);
    }

    /// <summary>Bytes per item of a threaded <see cref="Zero(Tensor)"/>.</summary>
    private const int ZeroChunk = 1 << 16;

    public void Zero(IReadOnlyList<Tensor> tensors)
    {
        for (int i = 0; i < tensors.Count; i++) Zero(tensors[i]);
    }

    public void Zero(Tensor t)
    {
        // Gradients of large parameters (the word embeddings) are megabytes: clear them on every thread.
        var job = new ZeroJob(Raw(t), t.Bytes);
        _pool.For((int)((t.Bytes + ZeroChunk - 1) / ZeroChunk), ZeroChunk / 8, ref job);
    }

    /// <summary>Chunks [start, end) of ZeroChunk bytes.</summary>
    private readonly struct ZeroJob(byte* data, long bytes) : IRangeJob
    {
        public void Run(int start, int end)
        {
            long first = (long)start * ZeroChunk, last = Math.Min((long)end * ZeroChunk, bytes);
            NativeMemory.Clear(data + first, (nuint)(last - first));
        }
    }

    public void Copy(Tensor src, Tensor dst) => HostMemory.Copy(src, dst);

    public void Upload(ReadOnlySpan<float> host, Tensor dst) => HostMemory.Upload(host, dst);

    public void Upload(ReadOnlySpan<int> host, Tensor dst) => HostMemory.Upload(host, dst);

    public void Download(Tensor src, Span<float> host) => HostMemory.Download(src, host);

    public void Dispose() { }

    private static byte* Raw(Tensor t) => t.DType == DType.F32 ? (byte*)t.Data : (byte*)t.IntData;
}
