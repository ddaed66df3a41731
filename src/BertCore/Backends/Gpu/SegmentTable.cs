using BertCore.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace BertCore.Backends.Gpu;

/// <summary>
/// The device tables of one multi-tensor launch (<see cref="MultiTensorKernels"/>): the segments [n], the segment of
/// each group [blocks], and a counter per segment [n] that starts at zero. The backend builds the segments at every
/// call; they are uploaded only when they differ from the last ones (the trainable parameters changed), an upload
/// waiting for the queued work as every host-to-device copy does (ILGPU's CopyFromCPU synchronizes the stream).
/// </summary>
internal sealed class SegmentTable<T>(Accelerator accelerator) : IDisposable where T : unmanaged, ISegment, IEquatable<T>
{
    private T[] _segments = [];        // the host copy of what the device holds
    private int[] _blockSegments = [];
    private MemoryBuffer1D<T, Stride1D.Dense> _segmentBuffer = accelerator.Allocate1D<T>(1);
    private MemoryBuffer1D<int, Stride1D.Dense> _blockBuffer = accelerator.Allocate1D<int>(1);
    private MemoryBuffer1D<int, Stride1D.Dense> _counterBuffer = accelerator.Allocate1D<int>(1);

    /// <summary>Segments in the table.</summary>
    public int Count { get; private set; }

    /// <summary>Groups of the launch: Σ Blocks of the segments.</summary>
    public int Blocks { get; private set; }

    public ArrayView<T> Segments => _segmentBuffer.View;
    public ArrayView<int> BlockSegments => _blockBuffer.View;
    public ArrayView<int> Counters => _counterBuffer.View;

    /// <summary>Makes the device tables hold <paramref name="segments"/> (their groups numbered consecutively from 0).</summary>
    public void Set(ReadOnlySpan<T> segments)
    {
        if (segments.SequenceEqual(_segments.AsSpan(0, Count))) return;
        Grow(ref _segments, segments.Length);
        segments.CopyTo(_segments);
        Count = segments.Length;
        Blocks = 0;
        foreach (var s in segments) Blocks += s.Blocks;
        Grow(ref _blockSegments, Blocks);
        for (int k = 0; k < segments.Length; k++) _blockSegments.AsSpan(segments[k].FirstBlock, segments[k].Blocks).Fill(k);
        Reserve(ref _segmentBuffer, Count);
        Reserve(ref _blockBuffer, Blocks);
        Reserve(ref _counterBuffer, Count);
        if (Count > 0) _segmentBuffer.View.SubView(0, Count).CopyFromCPU(ref _segments[0], Count);
        if (Blocks > 0) _blockBuffer.View.SubView(0, Blocks).CopyFromCPU(ref _blockSegments[0], Blocks);
        _counterBuffer.MemSetToZero();
    }

    private static void Grow<TItem>(ref TItem[] array, int length)
    {
        if (array.Length < length) array = new TItem[Math.Max(length, 2 * array.Length)];
    }

    /// <summary>A device buffer of at least <paramref name="length"/> items (a larger one after the queued work, when needed).</summary>
    private void Reserve<TItem>(ref MemoryBuffer1D<TItem, Stride1D.Dense> buffer, int length) where TItem : unmanaged
    {
        if (buffer.Length >= length) return;
        long capacity = Math.Max(length, 2 * buffer.Length);
        accelerator.Synchronize();
        buffer.Dispose();
        buffer = accelerator.Allocate1D<TItem>(capacity);
    }

    public void Dispose()
    {
        _segmentBuffer.Dispose();
        _blockBuffer.Dispose();
        _counterBuffer.Dispose();
    }
}
