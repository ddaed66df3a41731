using ILGPU;

namespace BertCore.Kernels;

/// <summary>
/// Whole-tensor sums in two launches of <see cref="Sum"/>, deterministic: stage 1 runs <see cref="Groups"/>(count)
/// groups, each thread adding a grid-strided slice, warps reducing by shuffles and thread 0 adding the warps' sums
/// in order into partials[group]; stage 2 runs one group over those partials (skipped when stage 1 has one group).
/// The grid and group sizes depend only on count, so the order of every addition does too. At 110M gradient
/// values (all of BERT-base) stage 1 fills the GPU with 1024 groups instead of one group on one SM.
/// Launch: grid Groups(count), group <see cref="Threads"/>.
/// </summary>
public static class ReductionKernels
{
    public const int Threads = 256;
    /// <summary>Stage 1 gives each thread at least this many elements before it adds a group.</summary>
    public const int ItemsPerThread = 16;
    public const int MaxGroups = 1024;

    /// <summary>The groups of stage 1 for <paramref name="count"/> elements: 1 up to <see cref="MaxGroups"/>.</summary>
    public static int Groups(long count) =>
        (int)Math.Clamp((count + Threads * ItemsPerThread - 1) / (Threads * ItemsPerThread), 1, MaxGroups);

    /// <summary>y[g] = alpha · Σ x over the slice of group g (squares: Σ x²). x [count]; y [grid groups].</summary>
    public static void Sum(ArrayView<float> x, ArrayView<float> y, int count, float alpha, int squares)
    {
        var warpSums = SharedMemory.Allocate<float>(Threads / 32);
        int first = Grid.GlobalIndex.X, stride = Grid.DimX * Group.DimX;
        float total = GroupTotal(squares != 0 ? SliceSumOfSquares(x, first, stride, count) : SliceSum(x, first, stride, count), warpSums);
        if (Group.IdxX == 0) y[Grid.IdxX] = alpha * total;
    }

    /// <summary>Σ x[i] for i = first, first + stride, .. below count, in that order. x [count].</summary>
    internal static float SliceSum(ArrayView<float> x, int first, int stride, int count)
    {
        float s = 0f;
        for (int i = first; i < count; i += stride) s += x[i];
        return s;
    }

    /// <summary>Σ x[i]² for i = first, first + stride, .. below count, in that order (the multi-tensor sums of squares
    /// run this same loop, so that both compile to the same arithmetic). x [count].</summary>
    internal static float SliceSumOfSquares(ArrayView<float> x, int first, int stride, int count)
    {
        float s = 0f;
        for (int i = first; i < count; i += stride) s += x[i] * x[i];
        return s;
    }

    /// <summary>
    /// The sum of every thread's <paramref name="value"/> in the group, on thread 0 (0 on the others): each warp adds by
    /// shuffles, then thread 0 adds the warps' sums in order. warpSums: shared [Group.DimX / 32], free again after the
    /// group's next barrier.
    /// </summary>
    internal static float GroupTotal(float value, ArrayView<float> warpSums)
    {
        value = DeviceMath.WarpSum(value);
        if (Warp.LaneIdx == 0) warpSums[Warp.WarpIdx] = value;
        Group.Barrier();
        float total = 0f;
        if (Group.IdxX == 0)
            for (int w = 0; w < Group.DimX / Warp.WarpSize; w++) total += warpSums[w];
        return total;
    }
}
