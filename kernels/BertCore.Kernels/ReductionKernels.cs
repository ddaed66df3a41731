using ILGPU;

namespace BertCore.Kernels;

/// <summary>
/// Whole-tensor sums in one group: each thread adds a strided slice, warps reduce by shuffles, then one thread adds
/// the warps' partial sums in order. The order depends only on the group size, so the result is deterministic.
/// Launch: grid 1, group a multiple of 32 up to <see cref="MaxThreads"/>.
/// </summary>
public static class ReductionKernels
{
    public const int MaxThreads = 1024;

    /// <summary>y[0] = alpha · Σ x (squares: Σ x²). x [count]; y [1].</summary>
    public static void Sum(ArrayView<float> x, ArrayView<float> y, int count, float alpha, int squares)
    {
        var partial = SharedMemory.Allocate<float>(MaxThreads / 32);
        float s = 0f;
        for (int i = Group.IdxX; i < count; i += Group.DimX) s += squares != 0 ? x[i] * x[i] : x[i];
        s = DeviceMath.WarpSum(s);
        if (Warp.LaneIdx == 0) partial[Warp.WarpIdx] = s;
        Group.Barrier();
        if (Group.IdxX == 0)
        {
            float total = 0f;
            for (int w = 0; w < Group.DimX / Warp.WarpSize; w++) total += partial[w];
            y[0] = alpha * total;
        }
    }
}
