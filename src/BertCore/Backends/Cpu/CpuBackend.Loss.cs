using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    // logits [N, V]; targets I32 [N]; loss [1]; logSumExp [N] (0 for ignored rows); keptCount [1]
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount)
    {
        var (rows, vocab) = LossShape.CrossEntropy(logits, targets, loss, logSumExp, keptCount);
        int* t = targets.IntData;
        int kept = CountKeptTargets(t, rows, vocab, ignoreIndex, "CrossEntropy");
        float* x = logits.Data, lse = logSumExp.Data;
        var job = new LogSumExpJob(x, t, ignoreIndex, lse, vocab);
        _pool.For(rows, 2L * vocab, ref job);
        // The mean over rows in row order, in double: the same bits for any thread count.
        double total = 0;
        for (int r = 0; r < rows; r++)
            if (t[r] != ignoreIndex) total += (double)lse[r] - x[(long)r * vocab + t[r]];
        loss.Data[0] = kept == 0 ? 0f : (float)(total / kept);
        keptCount.Data[0] = kept;
    }

    // logits, dlogits [N, V]; targets I32 [N]; logSumExp [N]; keptCount, dloss [1]
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits)
    {
        var (rows, vocab) = LossShape.CrossEntropyBackward(logits, targets, logSumExp, keptCount, dloss, dlogits);
        int* t = targets.IntData;
        CountKeptTargets(t, rows, vocab, ignoreIndex, "CrossEntropyBackward");
        float kept = keptCount.Data[0];
        if (kept == 0f) return;
        float g = dloss.Data[0] / kept;
        var job = new CrossEntropyBackwardJob(logits.Data, t, ignoreIndex, logSumExp.Data, g, dlogits.Data, vocab);
        _pool.For(rows, 2L * vocab, ref job);
    }

    /// <summary>Rows [start, end): logSumExp[r] = log Σ exp(logits_r), 0 for ignored rows.</summary>
    private readonly struct LogSumExpJob(float* logits, int* targets, int ignoreIndex, float* logSumExp, int vocab) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
                logSumExp[r] = targets[r] == ignoreIndex ? 0f : RowMath.LogSumExp(logits + (long)r * vocab, vocab);
        }
    }

    /// <summary>Rows [start, end): dlogits_r += g · (softmax(logits_r) − onehot(t_r)), softmax = exp(logits − logSumExp).</summary>
    private readonly struct CrossEntropyBackwardJob(float* logits, int* targets, int ignoreIndex, float* logSumExp, float g, float* dlogits, int vocab)
        : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                if (targets[r] == ignoreIndex) continue;
                float* dRow = dlogits + (long)r * vocab;
                RowMath.AddScaledExp(logits + (long)r * vocab, logSumExp[r], g, dRow, vocab);
                dRow[targets[r]] -= g;
            }
        }
    }

    /// <summary>Number of rows whose target is not ignoreIndex; throws on a target outside [0, vocab). targets [rows].</summary>
    private static int CountKeptTargets(int* targets, int rows, int vocab, int ignoreIndex, string op)
    {
        int kept = 0;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            if ((uint)t >= (uint)vocab)
                throw new ArgumentOutOfRangeException(nameof(targets),
                    $"{op}: target {t} at row {r} is outside [0, {vocab}) and is not the ignore index {ignoreIndex}");
            kept++;
        }
        return kept;
    }
}
