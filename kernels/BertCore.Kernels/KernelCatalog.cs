using System.Reflection;

namespace BertCore.Kernels;

/// <summary>Every kernel entry point of this project: the GPU backend loads them, the PTX test compiles each for sm_90.</summary>
public static class KernelCatalog
{
    /// <summary>The static classes whose public static void methods taking views are kernels.</summary>
    private static readonly Type[] s_classes =
    [
        typeof(MatMulKernels), typeof(MatMulLargeTileKernels), typeof(NormalizationKernels), typeof(AttentionKernels), typeof(ElementwiseKernels),
        typeof(IndexingKernels), typeof(LossKernels), typeof(ReductionKernels), typeof(ReductionColumnKernels),
        typeof(OptimizerKernels), typeof(MultiTensorKernels),
    ];

    /// <summary>All kernels, ordered by class then name.</summary>
    public static IReadOnlyList<MethodInfo> All { get; } = s_classes
        .SelectMany(c => c.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.ReturnType == typeof(void) && m.GetParameters().Any(p => p.ParameterType.Name.StartsWith("ArrayView", StringComparison.Ordinal)))
            .Where(m => m.Name != nameof(IndexingKernels.Report))
            .OrderBy(m => m.Name, StringComparer.Ordinal))
        .ToArray();
}
