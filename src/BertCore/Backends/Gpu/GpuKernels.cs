using System.Linq.Expressions;
using System.Reflection;
using BertCore.Kernels;
using ILGPU;
using ILGPU.Runtime;
using F = ILGPU.ArrayView<float>;
using I = ILGPU.ArrayView<int>;

namespace BertCore.Backends.Gpu;

/// <summary>
/// Every kernel of kernels/BertCore.Kernels, compiled and loaded once for one accelerator (a load costs tens to
/// hundreds of milliseconds), so that timing and serving never pay for compilation. Each launch is counted
/// (<see cref="Launches"/>), for the tests that bound the launches of an op.
/// </summary>
internal sealed class GpuKernels
{
    private readonly Accelerator _accelerator;
    private readonly Dictionary<int, AttentionTileKernels> _boundedAttention = new();

    public GpuKernels(Accelerator a)
    {
        _accelerator = a;
        Gemm = Counted(a.LoadStreamKernel<F, F, F, F, F, GemmParams>(MatMulKernels.Tiled));
        LargeGemm = Counted(a.LoadStreamKernel<F, F, F, F, F, GemmParams>(MatMulLargeTileKernels.Tiled));
        SumSplits = Counted(a.LoadStreamKernel<F, F, F, F, GemmParams, int>(MatMulLargeTileKernels.SumSplits));
        ColumnPartialSums = Counted(a.LoadStreamKernel<F, F, int, int>(ReductionColumnKernels.ColumnPartialSums));
        AddColumnSums = Counted(a.LoadStreamKernel<F, F, int, int>(ReductionColumnKernels.AddColumnSums));
        LayerNorm = Counted(a.LoadStreamKernel<F, F, int, F, F, F, F, F, int, int, float>(NormalizationKernels.LayerNorm));
        LayerNormBackward = Counted(a.LoadStreamKernel<F, F, F, int, F, F, F, F, int, F, int, int, int>(NormalizationKernels.LayerNormBackward));
        LayerNormParamPartials = Counted(a.LoadStreamKernel<F, F, F, int, F, F, F, int, int>(NormalizationKernels.LayerNormParamPartials));
        Softmax = Counted(a.LoadStreamKernel<F, F, int, int>(NormalizationKernels.Softmax));
        SoftmaxBackward = Counted(a.LoadStreamKernel<F, F, F, int, int>(NormalizationKernels.SoftmaxBackward));
        AttentionTiles = LoadAttentionTiles(0);
        AttentionDelta = Counted(a.LoadStreamKernel<F, F, F, AttentionParams>(AttentionKernels.Delta));
        Map = Counted(a.LoadStreamKernel<F, F, F, MapParams>(ElementwiseKernels.Map));
        Gather = Counted(a.LoadStreamKernel<F, I, F, I, int, int, int>(IndexingKernels.Gather));
        LinkRepeats = Counted(a.LoadStreamKernel<I, I, I, I, int, int>(IndexingKernels.LinkRepeats));
        ScatterAddChains = Counted(a.LoadStreamKernel<F, I, I, I, F, int, int, int, int>(IndexingKernels.ScatterAddChains));
        CrossEntropyRows = Counted(a.LoadStreamKernel<F, I, F, F, I, int, int, int>(LossKernels.RowLosses));
        CrossEntropyMean = Counted(a.LoadStreamKernel<F, I, F, F, int, int>(LossKernels.Mean));
        CrossEntropyBackward = Counted(a.LoadStreamKernel<F, I, F, F, F, F, int, int, int>(LossKernels.Backward));
        Sum = Counted(a.LoadStreamKernel<F, F, int, float, int>(ReductionKernels.Sum));
        ClipScale = Counted(a.LoadStreamKernel<F, F, int, double, F, int>(OptimizerKernels.ClipScale));
        AdamW = Counted(a.LoadStreamKernel<F, F, F, F, F, int, int, AdamWScalars>(OptimizerKernels.AdamW));
        SumsOfSquares = Counted(a.LoadStreamKernel<F, ArrayView<SquaresSegment>, I, F, I, F>(MultiTensorKernels.SumsOfSquares));
        MultiTensorZero = Counted(a.LoadStreamKernel<F, ArrayView<ZeroSegment>, I>(MultiTensorKernels.Zero));
        MultiTensorAdamW = Counted(a.LoadStreamKernel<F, F, F, F, ArrayView<AdamWSegment>, I, ArrayView<AdamWScalars>, F, int>(MultiTensorKernels.AdamW));
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
    /// <summary>The tiled attention kernels without a launch bound (what the backend runs unless told otherwise).</summary>
    public AttentionTileKernels AttentionTiles { get; }
    public Action<KernelConfig, F, F, F, AttentionParams> AttentionDelta { get; }
    public Action<KernelConfig, F, F, F, MapParams> Map { get; }
    public Action<KernelConfig, F, I, F, I, int, int, int> Gather { get; }
    public Action<KernelConfig, I, I, I, I, int, int> LinkRepeats { get; }
    public Action<KernelConfig, F, I, I, I, F, int, int, int, int> ScatterAddChains { get; }
    public Action<KernelConfig, F, I, F, F, I, int, int, int> CrossEntropyRows { get; }
    public Action<KernelConfig, F, I, F, F, int, int> CrossEntropyMean { get; }
    public Action<KernelConfig, F, I, F, F, F, F, int, int, int> CrossEntropyBackward { get; }
    public Action<KernelConfig, F, F, int, float, int> Sum { get; }
    public Action<KernelConfig, F, F, int, double, F, int> ClipScale { get; }
    public Action<KernelConfig, F, F, F, F, F, int, int, AdamWScalars> AdamW { get; }
    public Action<KernelConfig, F, ArrayView<SquaresSegment>, I, F, I, F> SumsOfSquares { get; }
    public Action<KernelConfig, F, F, F, F, ArrayView<AdamWSegment>, I, ArrayView<AdamWScalars>, F, int> MultiTensorAdamW { get; }
    public Action<KernelConfig, F, ArrayView<ZeroSegment>, I> MultiTensorZero { get; }

    /// <summary>The tiled attention kernels compiled with <see cref="AttentionKernels.LaunchBound"/>(groupsPerMultiprocessor)
    /// (0: <see cref="AttentionTiles"/>); each bound is compiled and loaded on first use, then kept.</summary>
    public AttentionTileKernels BoundedAttentionTiles(int groupsPerMultiprocessor)
    {
        if (groupsPerMultiprocessor <= 0) return AttentionTiles;
        if (!_boundedAttention.TryGetValue(groupsPerMultiprocessor, out var tiles))
            _boundedAttention[groupsPerMultiprocessor] = tiles = LoadAttentionTiles(groupsPerMultiprocessor);
        return tiles;
    }

    private AttentionTileKernels LoadAttentionTiles(int groupsPerMultiprocessor)
    {
        var bound = AttentionKernels.LaunchBound(groupsPerMultiprocessor);
        return new AttentionTileKernels(
            Counted(_accelerator.LoadStreamKernel<F, F, F, I, F, F, AttentionParams>(AttentionKernels.Forward, bound)),
            Counted(_accelerator.LoadStreamKernel<F, F, F, I, F, F, F, F, AttentionParams>(AttentionKernels.BackwardQuery, bound)),
            Counted(_accelerator.LoadStreamKernel<F, F, F, I, F, F, F, F, int, F, int, AttentionParams>(AttentionKernels.BackwardKeyValue, bound)));
    }

    /// <summary>Kernel launches so far (calls of the kernel delegates; memory copies and sets not included).</summary>
    public long Launches { get; private set; }

    /// <summary><paramref name="kernel"/>, counting each launch in <see cref="Launches"/>.</summary>
    private T Counted<T>(T kernel) where T : Delegate
    {
        var arguments = typeof(T).GetMethod(nameof(Action.Invoke))!.GetParameters().Select(p => Expression.Parameter(p.ParameterType)).ToArray();
        var body = Expression.Block(
            Expression.Call(Expression.Constant(this), typeof(GpuKernels).GetMethod(nameof(CountLaunch), BindingFlags.NonPublic | BindingFlags.Instance)!),
            Expression.Invoke(Expression.Constant(kernel), arguments));
        return Expression.Lambda<T>(body, arguments).Compile();
    }

    private void CountLaunch() => Launches++;
}

/// <summary>The attention kernels launched in 256-thread tiles (<see cref="AttentionKernels.Tiled"/>), loaded together
/// with one launch bound.</summary>
internal sealed record AttentionTileKernels(
    Action<KernelConfig, F, F, F, I, F, F, AttentionParams> Forward,
    Action<KernelConfig, F, F, F, I, F, F, F, F, AttentionParams> BackwardQuery,
    Action<KernelConfig, F, F, F, I, F, F, F, F, int, F, int, AttentionParams> BackwardKeyValue);
