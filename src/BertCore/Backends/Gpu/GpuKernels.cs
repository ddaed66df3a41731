using BertCore.Kernels;
using ILGPU;
using ILGPU.Runtime;
using F = ILGPU.ArrayView<float>;
using I = ILGPU.ArrayView<int>;

namespace BertCore.Backends.Gpu;

/// <summary>
/// Every kernel of kernels/BertCore.Kernels, compiled and loaded once for one accelerator (a load costs tens to
/// hundreds of milliseconds), so that timing and serving never pay for compilation.
/// </summary>
internal sealed class GpuKernels
{
    public GpuKernels(Accelerator a)
    {
        Gemm = a.LoadStreamKernel<F, F, F, F, F, GemmParams>(GemmKernels.Tiled);
        LargeGemm = a.LoadStreamKernel<F, F, F, F, F, GemmParams>(LargeTileGemmKernels.Tiled);
        SumSplits = a.LoadStreamKernel<F, F, F, F, GemmParams, int>(LargeTileGemmKernels.SumSplits);
        ColumnPartialSums = a.LoadStreamKernel<F, F, int, int>(ColumnReductionKernels.ColumnPartialSums);
        AddColumnSums = a.LoadStreamKernel<F, F, int, int>(ColumnReductionKernels.AddColumnSums);
        LayerNorm = a.LoadStreamKernel<F, F, int, F, F, F, F, F, int, int, float>(NormalizationKernels.LayerNorm);
        LayerNormBackward = a.LoadStreamKernel<F, F, F, int, F, F, F, F, int, F, int, int, int>(NormalizationKernels.LayerNormBackward);
        LayerNormParamPartials = a.LoadStreamKernel<F, F, F, int, F, F, F, int, int>(NormalizationKernels.LayerNormParamPartials);
        Softmax = a.LoadStreamKernel<F, F, int, int>(NormalizationKernels.Softmax);
        SoftmaxBackward = a.LoadStreamKernel<F, F, F, int, int>(NormalizationKernels.SoftmaxBackward);
        Attention = a.LoadStreamKernel<F, F, F, I, F, F, AttentionParams>(AttentionKernels.Forward);
        AttentionDelta = a.LoadStreamKernel<F, F, F, AttentionParams>(AttentionKernels.Delta);
        AttentionBackwardQuery = a.LoadStreamKernel<F, F, F, I, F, F, F, F, AttentionParams>(AttentionKernels.BackwardQuery);
        AttentionBackwardKeyValue = a.LoadStreamKernel<F, F, F, I, F, F, F, F, int, F, int, AttentionParams>(AttentionKernels.BackwardKeyValue);
        Map = a.LoadStreamKernel<F, F, F, MapParams>(ElementwiseKernels.Map);
        Gather = a.LoadStreamKernel<F, I, F, I, int, int, int>(EmbeddingKernels.Gather);
        LinkRepeats = a.LoadStreamKernel<I, I, I, I, int, int>(EmbeddingKernels.LinkRepeats);
        ScatterAddChains = a.LoadStreamKernel<F, I, I, I, F, int, int, int, int>(EmbeddingKernels.ScatterAddChains);
        CrossEntropyRows = a.LoadStreamKernel<F, I, F, F, I, int, int, int>(CrossEntropyKernels.RowLosses);
        CrossEntropyMean = a.LoadStreamKernel<F, I, F, F, int, int>(CrossEntropyKernels.Mean);
        CrossEntropyBackward = a.LoadStreamKernel<F, I, F, F, F, F, int, int, int>(CrossEntropyKernels.Backward);
        Sum = a.LoadStreamKernel<F, F, int, float, int>(ReductionKernels.Sum);
        ClipScale = a.LoadStreamKernel<F, F, int, double>(OptimizerKernels.ClipScale);
        AdamW = a.LoadStreamKernel<F, F, F, F, F, int, AdamWParams>(OptimizerKernels.AdamW);
    }

    public Action<KernelConfig, F, F, F, F, F, GemmParams> Gemm { get; }
    public Action<KernelConfig, F, F, F, F, F, GemmParams> LargeGemm { get; }
    public Action<KernelConfig, F, F, F, F, GemmParams, int> SumSplits { get; }
    public Action<KernelConfig, F, F, int, int> ColumnPartialSums { get; }
    public Action<KernelConfig, F, F, int, int> AddColumnSums { get; }
    public Action<KernelConfig, F, F, int, F, F, F, F, F, int, int, float> LayerNorm { get; }
    public Action<KernelConfig, F, F, F, int, F, F, F, F, int, F, int, int, int> LayerNormBackward { get; }
    public Action<KernelConfig, F, F, F, int, F, F, F, int, int> LayerNormParamPartials { get; }
    public Action<KernelConfig, F, F, int, int> Softmax { get; }
    public Action<KernelConfig, F, F, F, int, int> SoftmaxBackward { get; }
    public Action<KernelConfig, F, F, F, I, F, F, AttentionParams> Attention { get; }
    public Action<KernelConfig, F, F, F, AttentionParams> AttentionDelta { get; }
    public Action<KernelConfig, F, F, F, I, F, F, F, F, AttentionParams> AttentionBackwardQuery { get; }
    public Action<KernelConfig, F, F, F, I, F, F, F, F, int, F, int, AttentionParams> AttentionBackwardKeyValue { get; }
    public Action<KernelConfig, F, F, F, MapParams> Map { get; }
    public Action<KernelConfig, F, I, F, I, int, int, int> Gather { get; }
    public Action<KernelConfig, I, I, I, I, int, int> LinkRepeats { get; }
    public Action<KernelConfig, F, I, I, I, F, int, int, int, int> ScatterAddChains { get; }
    public Action<KernelConfig, F, I, F, F, I, int, int, int> CrossEntropyRows { get; }
    public Action<KernelConfig, F, I, F, F, int, int> CrossEntropyMean { get; }
    public Action<KernelConfig, F, I, F, F, F, F, int, int, int> CrossEntropyBackward { get; }
    public Action<KernelConfig, F, F, int, float, int> Sum { get; }
    public Action<KernelConfig, F, F, int, double> ClipScale { get; }
    public Action<KernelConfig, F, F, F, F, F, int, AdamWParams> AdamW { get; }
}
