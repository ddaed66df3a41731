using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>
/// Fused log-softmax + negative log-likelihood with an ignore index. The loss and the kept count stay on the device,
/// so the backward reads them there: the only host read-back of a training step is the caller's loss download.
/// A target outside [0, vocab) that is not the ignore index is reported through error [4] as in
/// <see cref="IndexingKernels"/>.
/// </summary>
public static class LossKernels
{
    /// <summary>
    /// One warp per row: logSumExp[r] = log Σ exp(logits_r) (0 for an ignored row) and rowLoss[r] = logSumExp[r] −
    /// logits[r, target] (0 for an ignored row). logits [rows, vocab]; targets, logSumExp, rowLoss [rows].
    /// Launch: grid ceil(rows / (group / 32)), group a multiple of 32.
    /// </summary>
    public static void RowLosses(ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> logSumExp,
        ArrayView<float> rowLoss, ArrayView<int> error, int rows, int vocab, int ignoreIndex)
    {
        int r = Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx, lane = Warp.LaneIdx;
        if (r >= rows) return;
        int t = targets[r];
        if (t == ignoreIndex || (uint)t >= (uint)vocab)
        {
            if (lane == 0)
            {
                logSumExp[r] = 0f;
                rowLoss[r] = 0f;
                if (t != ignoreIndex) IndexingKernels.Report(error, IndexError.CrossEntropy, r, t);
            }
            return;
        }
        long row = (long)r * vocab;
        float m = float.NegativeInfinity;
        for (int c = lane; c < vocab; c += Warp.WarpSize) m = XMath.Max(m, logits[row + c]);
        m = DeviceMath.WarpMax(m);
        float s = 0f;
        for (int c = lane; c < vocab; c += Warp.WarpSize) s += XMath.Exp(logits[row + c] - m);
        float lse = m + XMath.Log(DeviceMath.WarpSum(s));
        if (lane == 0)
        {
            logSumExp[r] = lse;
            rowLoss[r] = lse - logits[row + t];
        }
    }

    /// <summary>Threads of the one group of <see cref="Mean"/>.</summary>
    public const int MeanThreads = 256;

    /// <summary>
    /// loss[0] = mean of rowLoss over kept rows (0 when none), summed in double as the CPU backend does (thread t adds
    /// rows t, t + 256, .. in order, then a fixed tree over the threads: deterministic, and in double the order
    /// changes nothing a float can hold); keptCount[0] = the number of kept rows. rowLoss, targets [rows].
    /// Launch: grid 1, group <see cref="MeanThreads"/>.
    /// </summary>
    public static void Mean(ArrayView<float> rowLoss, ArrayView<int> targets, ArrayView<float> loss, ArrayView<float> keptCount,
        int rows, int ignoreIndex)
    {
        var totals = SharedMemory.Allocate<double>(MeanThreads);
        var counts = SharedMemory.Allocate<int>(MeanThreads);
        int t = Group.IdxX;
        double total = 0;
        int kept = 0;
        for (int r = t; r < rows; r += MeanThreads)
        {
            if (targets[r] == ignoreIndex) continue;
            total += rowLoss[r];
            kept++;
        }
        totals[t] = total;
        counts[t] = kept;
        Group.Barrier();
        for (int half = MeanThreads / 2; half > 0; half >>= 1)
        {
            if (t < half)
            {
                totals[t] += totals[t + half];
                counts[t] += counts[t + half];
            }
            Group.Barrier();
        }
        if (t != 0) return;
        loss[0] = counts[0] == 0 ? 0f : (float)(totals[0] / counts[0]);
        keptCount[0] = counts[0];
    }

    /// <summary>
    /// dlogits[r, j] += g·(exp(logits[r, j] − logSumExp[r]) − [j = target_r]) with g = dloss[0] / keptCount[0], for
    /// kept rows. logits, dlogits [rows, vocab]; targets, logSumExp [rows]; keptCount, dloss [1].
    /// Launch: any grid (grid-stride loop over rows·vocab).
    /// </summary>
    public static void Backward(ArrayView<float> logits, ArrayView<int> targets, ArrayView<float> logSumExp,
        ArrayView<float> keptCount, ArrayView<float> dloss, ArrayView<float> dlogits, int rows, int vocab, int ignoreIndex)
    {
        float kept = keptCount[0];
        if (kept == 0f) return;
        float g = dloss[0] / kept;
        long count = (long)rows * vocab, stride = (long)Grid.DimX * Group.DimX;
        for (long e = Grid.GlobalIndex.X; e < count; e += stride)
        {
            int r = (int)(e / vocab), j = (int)(e % vocab), t = targets[r];
            if (t == ignoreIndex || (uint)t >= (uint)vocab) continue;
            float d = g * XMath.Exp(logits[e] - logSumExp[r]);
            dlogits[e] += j == t ? d - g : d;
        }
    }
}
