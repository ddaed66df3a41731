using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>LayerNorm (warp per row, shuffle reductions) and softmax kernels on the simulator against the reference
/// and its finite differences; 45 columns make lanes take one or two columns, a ±1000 offset tests the shifted sums.</summary>
[Collection(SimulatorCollection.Name)]
public class GpuNormalizationTests(SimulatorFixture fixture)
{
    private readonly GpuBackend _gpu = fixture.Backend;

    private static float[] Values(int n, int seed, float scale = 1f, float offset = 0f) =>
        TestData.Uniform(n, seed, scale).Select(v => v + offset).ToArray();

    [Theory]
    [InlineData(5, 45, 1000f)]
    [InlineData(3, 7, -1000f)]
    public void LayerNorm_matches_reference_and_finite_differences(int rows, int cols, float offset) =>
        GpuGradCheck.Check(_gpu, (g, t) => g.LayerNorm(t[0], t[1], t[2], 1e-12f),
            x => ReferenceBackend.LayerNorm(x[0], rows, cols, x[1], x[2], 1e-12f),
            [new OpInput(Values(rows * cols, 1, 1f, offset), [rows, cols]), new OpInput(Values(cols, 2, 0.5f, 1f), [cols]),
             new OpInput(Values(cols, 3), [cols])]);

    [Fact]
    public void LayerNorm_computes_only_the_requested_gradients() =>
        GpuGradCheck.Check(_gpu, (g, t) => g.LayerNorm(t[0], t[1], t[2], 1e-5f),
            x => ReferenceBackend.LayerNorm(x[0], 3, 7, x[1], x[2], 1e-5f),
            [new OpInput(Values(21, 4), [3, 7], false), new OpInput(Values(7, 5, 0.5f, 1f), [7]), new OpInput(Values(7, 6), [7], false)]);

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void AddLayerNorm_matches_reference_and_finite_differences(bool dx, bool dres)
    {
        const int rows = 3, cols = 37;
        GpuGradCheck.Check(_gpu, (g, t) => g.AddLayerNorm(t[0], t[1], t[2], t[3], 1e-12f),
            x => ReferenceBackend.LayerNorm(ReferenceBackend.Add(x[0], x[1]), rows, cols, x[2], x[3], 1e-12f),
            [new OpInput(Values(rows * cols, 7, 1f, 1000f), [rows, cols], dx), new OpInput(Values(rows * cols, 8, 1f, -500f), [rows, cols], dres),
             new OpInput(Values(cols, 9, 0.5f, 1f), [cols]), new OpInput(Values(cols, 10), [cols])]);
    }

    /// <summary>Four warps per group, as on CUDA (the simulator's default is one): rows 0–3 share a group, row 4 is alone.</summary>
    [Fact]
    public void Row_kernels_with_four_warps_per_group_match_reference()
    {
        int saved = _gpu.RowGroupThreads;
        _gpu.RowGroupThreads = 128;
        try
        {
            GpuGradCheck.Check(_gpu, (g, t) => g.AddLayerNorm(g.Softmax(t[0]), t[1], t[2], t[3], 1e-12f),
                x => ReferenceBackend.LayerNorm(ReferenceBackend.Add(ReferenceBackend.Softmax(x[0], 5, 9), x[1]), 5, 9, x[2], x[3], 1e-12f),
                [new OpInput(Values(45, 12), [5, 9]), new OpInput(Values(45, 13), [5, 9]), new OpInput(Values(9, 14, 0.5f, 1f), [9]),
                 new OpInput(Values(9, 15), [9])]);
        }
        finally
        {
            _gpu.RowGroupThreads = saved;
        }
    }

    [Theory]
    [InlineData(4, 5, 1f)]
    [InlineData(3, 67, 30f)]
    public void Softmax_matches_reference_and_finite_differences(int rows, int cols, float scale) =>
        GpuGradCheck.Check(_gpu, (g, t) => g.Softmax(t[0]), x => ReferenceBackend.Softmax(x[0], rows, cols),
            [new OpInput(TestData.Uniform(rows * cols, 11, scale), [rows, cols])]);
}
