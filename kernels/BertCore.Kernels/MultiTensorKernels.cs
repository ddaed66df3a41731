using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>A row of a multi-tensor launch's segment table: its tensor is handled by groups FirstBlock .. FirstBlock + Blocks − 1.</summary>
public interface ISegment
{
    int FirstBlock { get; }
    int Blocks { get; }
}

/// <summary>One tensor of <see cref="MultiTensorKernels.SumsOfSquares"/>: elements [Offset, Offset + Count) of the
/// storage, its sum of squares into slot Slot, over Blocks = <see cref="ReductionKernels.Groups"/>(Count) groups.</summary>
public readonly record struct SquaresSegment(int Offset, int Count, int Slot, int FirstBlock, int Blocks) : ISegment;

/// <summary>One parameter of <see cref="MultiTensorKernels.AdamW"/>: Count elements from offset Param of the values,
/// Grad of the gradients, M and V of the moments; the scalars of parameter group ParameterGroup; Blocks = ⌈Count / Chunk⌉ groups.</summary>
public readonly record struct AdamWSegment(int Param, int Grad, int M, int V, int Count, int ParameterGroup, int FirstBlock, int Blocks) : ISegment;

/// <summary>One tensor of <see cref="MultiTensorKernels.Zero"/>: Count elements from Offset; Blocks = ⌈Count / Chunk⌉ groups.</summary>
public readonly record struct ZeroSegment(int Offset, int Count, int FirstBlock, int Blocks) : ISegment;

/// <summary>
/// The optimizer's kernels over many tensors in one launch. The tensors are slices of one storage per argument
/// (the GPU backend adopts a model's parameters into one storage for values and one for gradients, and AdamW keeps
/// its moments in one storage each); a segment table gives each slice's offsets, and blockSegments [grid] the
/// segment of each group, so that a launch covers every tensor whatever their number and sizes.
/// </summary>
public static class MultiTensorKernels
{
    /// <summary>Elements per group of the element-wise kernels (<see cref="AdamW"/>, <see cref="Zero"/>).</summary>
    public const int Chunk = 4096;

    /// <summary>
    /// squares[s.Slot] = Σ x[s.Offset .. s.Offset + s.Count)² for every segment s, with the bits of
    /// <see cref="ReductionKernels.Sum"/>'s two stages on that slice alone: its s.Blocks groups take the same strided
    /// slices; a one-group segment writes its slot; otherwise each group writes partials[its group], and the last of the
    /// segment's groups to finish (counted with an integer atomic after a device fence) adds the partials as stage 2
    /// does, writes the slot and resets the counter. x: a storage's values; segments [n]; blockSegments [grid];
    /// partials [grid]; counters [n], zero before and after; squares [slots].
    /// Launch: grid Σ s.Blocks, group <see cref="ReductionKernels.Threads"/>.
    /// </summary>
    public static void SumsOfSquares(ArrayView<float> x, ArrayView<SquaresSegment> segments, ArrayView<int> blockSegments,
        ArrayView<float> partials, ArrayView<int> counters, ArrayView<float> squares)
    {
        var warpSums = SharedMemory.Allocate<float>(ReductionKernels.Threads / 32);
        var lastToFinish = SharedMemory.Allocate<int>(1);
        int block = Grid.IdxX, index = blockSegments[block];
        var segment = segments[index];
        int threads = Group.DimX;
        float total = ReductionKernels.GroupTotal(ReductionKernels.SliceSumOfSquares(x.SubView(segment.Offset, segment.Count),
            (block - segment.FirstBlock) * threads + Group.IdxX, segment.Blocks * threads, segment.Count), warpSums);
        if (segment.Blocks == 1)
        {
            if (Group.IdxX == 0) squares[segment.Slot] = total;
            return;
        }
        if (Group.IdxX == 0)
        {
            partials[block] = total;
            MemoryFence.DeviceLevel();
            lastToFinish[0] = Atomic.Add(ref counters[index], 1) == segment.Blocks - 1 ? 1 : 0;
            MemoryFence.DeviceLevel();
        }
        Group.Barrier();
        if (lastToFinish[0] == 0) return;
        float sum = ReductionKernels.GroupTotal(ReductionKernels.SliceSum(partials.SubView(segment.FirstBlock, segment.Blocks),
            Group.IdxX, threads, segment.Blocks), warpSums);
        if (Group.IdxX != 0) return;
        squares[segment.Slot] = sum;
        counters[index] = 0;
    }

    /// <summary>
    /// <see cref="OptimizerKernels.Update"/> of every element of every segment: group b updates elements
    /// [(b − s.FirstBlock)·Chunk, + Chunk) of its segment s with the scalars groups[s.ParameterGroup], the gradients
    /// times their GradScale (times scale[0] when hasScale; a NaN scale[0] leaves everything unchanged). param, grad,
    /// m, v: one storage each; segments [n]; blockSegments [grid]; groups [parameter groups]; scale [1].
    /// Launch: grid Σ s.Blocks, any group size.
    /// </summary>
    public static void AdamW(ArrayView<float> param, ArrayView<float> grad, ArrayView<float> m, ArrayView<float> v,
        ArrayView<AdamWSegment> segments, ArrayView<int> blockSegments, ArrayView<AdamWScalars> groups, ArrayView<float> scale, int hasScale)
    {
        if (hasScale != 0 && XMath.IsNaN(scale[0])) return;
        var segment = segments[blockSegments[Grid.IdxX]];
        var s = groups[segment.ParameterGroup];
        float gradScale = hasScale != 0 ? s.GradScale * scale[0] : s.GradScale;
        int start = (Grid.IdxX - segment.FirstBlock) * Chunk;
        int end = XMath.Min(start + Chunk, segment.Count);
        var p = param.SubView(segment.Param, segment.Count);
        var g = grad.SubView(segment.Grad, segment.Count);
        var mi = m.SubView(segment.M, segment.Count);
        var vi = v.SubView(segment.V, segment.Count);
        for (int i = start + Group.IdxX; i < end; i += Group.DimX) OptimizerKernels.Update(p, g, mi, vi, i, s, gradScale);
    }

    /// <summary>x[s.Offset .. s.Offset + s.Count) = 0 for every segment s, group b clearing elements
    /// [(b − s.FirstBlock)·Chunk, + Chunk) of its segment. x: a storage's values; segments [n]; blockSegments [grid].
    /// Launch: grid Σ s.Blocks, any group size.</summary>
    public static void Zero(ArrayView<float> x, ArrayView<ZeroSegment> segments, ArrayView<int> blockSegments)
    {
        var segment = segments[blockSegments[Grid.IdxX]];
        int start = (Grid.IdxX - segment.FirstBlock) * Chunk;
        int end = XMath.Min(start + Chunk, segment.Count);
        var values = x.SubView(segment.Offset, segment.Count);
        for (int i = start + Group.IdxX; i < end; i += Group.DimX) values[i] = 0f;
    }
}
