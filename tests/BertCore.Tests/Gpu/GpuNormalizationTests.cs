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

}
