using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // logits [N, V]; targets I32 [N]; loss [1]; logSumExp [N] (0 for ignored rows); keptCount [1]
    public void CrossEntropy(Tensor logits, Tensor targets, int ignoreIndex, Tensor loss, Tensor logSumExp, Tensor keptCount)
    {
        var (rows, vocab) = CrossEntropyShape(logits, targets, "CrossEntropy");
        OpChecks.RequireCount(loss, 1, "CrossEntropy");
        OpChecks.RequireCount(logSumExp, rows, "CrossEntropy");
        OpChecks.RequireCount(keptCount, 1, "CrossEntropy");
        var rowLoss = Scratch(Math.Max(rows, 1));
        if (rows > 0)
            _kernels.CrossEntropyRows(RowLaunch(rows), F(logits), I(targets), F(logSumExp), rowLoss, _error.View, rows, vocab, ignoreIndex);
        _kernels.CrossEntropyMean(new KernelConfig(1, CrossEntropyKernels.MeanThreads), rowLoss, I(targets), F(loss), F(keptCount), rows, ignoreIndex);
    }

    // logits, dlogits [N, V]; targets I32 [N]; logSumExp [N]; keptCount, dloss [1]
    public void CrossEntropyBackward(Tensor logits, Tensor targets, int ignoreIndex, Tensor logSumExp, Tensor keptCount, Tensor dloss, Tensor dlogits)
    {
        var (rows, vocab) = CrossEntropyShape(logits, targets, "CrossEntropyBackward");
        OpChecks.RequireCount(logSumExp, rows, "CrossEntropyBackward");
        OpChecks.RequireCount(keptCount, 1, "CrossEntropyBackward");
        OpChecks.RequireCount(dloss, 1, "CrossEntropyBackward");
        OpChecks.RequireCount(dlogits, logits.Count, "CrossEntropyBackward");
        if (logits.Count == 0) return;
        _kernels.CrossEntropyBackward(StrideLaunch(logits.Count), F(logits), I(targets), F(logSumExp), F(keptCount), F(dloss), F(dlogits),
            rows, vocab, ignoreIndex);
    }

    private static (int Rows, int Vocab) CrossEntropyShape(Tensor logits, Tensor targets, string op)
    {
        if (logits.Shape.Rank != 2 || targets.DType != DType.I32 || targets.Count != logits.Shape[0])
            throw new ArgumentException($"{op}: logits must be [N, V] and targets I32 [N]; got {logits.Shape} and {targets.DType} {targets.Shape}");
        return (logits.Shape[0], logits.Shape[1]);
    }
}
