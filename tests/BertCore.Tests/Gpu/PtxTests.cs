using BertCore.Kernels;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// PTX for an H100/H200 (sm_90) without a GPU: ILGPU's PTXBackend compiles every kernel on a context with no device.
/// ILGPU 1.5.3 writes ".target sm_80" for any architecture from SM_80 up (the driver JIT-compiles sm_80 PTX for
/// sm_90); the test pins that observation so a change in ILGPU is noticed.
/// </summary>
public class PtxTests
{
    [Fact]
    public void Every_kernel_compiles_to_ptx_for_sm_90()
    {
        using var ptx = PtxGenerator.ForSm90();
        Assert.NotEmpty(KernelCatalog.All);
        foreach (var kernel in KernelCatalog.All)
        {
            string code = ptx.Generate(kernel);
            Assert.Contains(".version 8.0", code);
            Assert.Contains(".target sm_80", code);
            Assert.Contains(".entry", code);
        }
    }

    /// <summary>The large-tile GEMM must keep its 16-byte shared-memory and global loads (ld.shared.v4.f32, ld.v4.f32):
    /// ILGPU emits them only where it can prove the alignment (AsAligned16), and losing them costs about a third of its speed.
    /// The multi-tensor sums of squares must fence before counting a finished group with an integer atomic.</summary>
    [Theory]
    [InlineData(typeof(MatMulKernels), nameof(MatMulKernels.Tiled), "bar.sync", ".shared")]
    [InlineData(typeof(MatMulLargeTileKernels), nameof(MatMulLargeTileKernels.Tiled), "ld.shared.v4.f32", "ld.v4.f32")]
    [InlineData(typeof(NormalizationKernels), nameof(NormalizationKernels.LayerNorm), "shfl.sync.bfly", "st.f32")]
    [InlineData(typeof(AttentionKernels), nameof(AttentionKernels.Forward), "shfl.sync.idx", "shfl.sync.bfly")]
    [InlineData(typeof(ReductionKernels), nameof(ReductionKernels.Sum), "bar.sync", "shfl.sync.bfly")]
    [InlineData(typeof(MultiTensorKernels), nameof(MultiTensorKernels.SumsOfSquares), "membar.gl", "atom.add.u32")]
    public void Kernels_use_shared_memory_barriers_and_warp_shuffles(Type kernels, string name, string first, string second)
    {
        using var ptx = PtxGenerator.ForSm90();
        string code = ptx.Generate(KernelCatalog.All.Single(k => k.Name == name && k.DeclaringType == kernels));
        Assert.Contains(first, code);
        Assert.Contains(second, code);
    }

    /// <summary>The PTX test covers what the backend runs: one loaded delegate per catalog entry (the tiled attention
    /// kernels are loaded as a set).</summary>
    [Fact]
    public void Catalog_lists_every_kernel_the_backend_loads()
    {
        static int Delegates(Type type) => type.GetProperties().Count(p => p.PropertyType.Name.StartsWith("Action", StringComparison.Ordinal));
        var assembly = typeof(BertCore.Backends.Gpu.GpuBackend).Assembly;
        int attentionTiles = Delegates(assembly.GetType("BertCore.Backends.Gpu.AttentionTileKernels")!);
        Assert.Equal(KernelCatalog.All.Count, Delegates(assembly.GetType("BertCore.Backends.Gpu.GpuKernels")!) + attentionTiles);
        Assert.Equal(AttentionKernels.Tiled.Count, attentionTiles);
    }

    /// <summary>The attention launch bound reaches the PTX as the directives from which ptxas sets its register budget
    /// (65,536 / (256 threads × 2 groups) = 128 registers); without a bound, neither is written.</summary>
    [Fact]
    public void Attention_launch_bound_writes_maxntid_and_minnctapersm()
    {
        using var ptx = PtxGenerator.ForSm90();
        Assert.Equal(3, AttentionKernels.Tiled.Count);
        foreach (var kernel in AttentionKernels.Tiled)
        {
            string bounded = ptx.Generate(kernel, AttentionKernels.LaunchBound(2)), plain = ptx.Generate(kernel);
            Assert.Contains(".maxntid 256, 1, 1", bounded);
            Assert.Contains(".minnctapersm 2", bounded);
            Assert.DoesNotContain(".maxntid", plain);
            Assert.DoesNotContain(".minnctapersm", plain);
        }
        Assert.Equal(default, AttentionKernels.LaunchBound(0));
    }
}
