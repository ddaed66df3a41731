using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // logits [N, V]; targets I32 [N]; loss [1]; logSumExp [N] (0 for ignored rows); keptCount [1]
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount)
    {
        var (rows, vocab) = LossShape.CrossEntropy(logits, targets, loss, logSumExp, keptCount);
        var rowLoss = Scratch(Math.Max(rows, 1));
        if (rows > 0)
            _kernels.CrossEntropyRows(RowLaunch(rows), F(logits), I(targets), F(logSumExp), rowLoss, _error.View, rows, vocab, ignoreIndex);
        _kernels.CrossEntropyMean(new KernelConfig(1, LossKernels.MeanThreads), rowLoss, I(targets), F(loss), F(keptCount), rows, ignoreIndex);
    }

    // logits, dlogits [N, V]; targets I32 [N]; logSumExp [N]; keptCount, dloss [1]
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits)
    {
        var (rows, vocab) = LossShape.CrossEntropyBackward(logits, targets, logSumExp, keptCount, dloss, dlogits);
        if (logits.Count == 0) return;
        _kernels.CrossEntropyBackward(StrideLaunch(logits.Count), F(logits), I(targets), F(logSumExp), F(keptCount), F(dloss), F(dlogits),
            rows, vocab, ignoreIndex);
    }
}
