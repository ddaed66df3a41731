using BertCore.Backends.Cpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class NormalizationTests
{
    private static float[] Values(int n, int seed, float scale = 1f, float offset = 0f) =>
        TestData.Uniform(n, seed, scale).Select(v => v + offset).ToArray();

    [Fact]
    public void AddLayerNorm_of_a_tensor_with_itself_gets_both_gradients()
    {
        const int rows = 4, cols = 19;
        OpInput[] inputs = [new(Values(rows * cols, 25, 2f), [rows, cols]), new(Values(cols, 26, 0.5f, 1f), [cols]), new(Values(cols, 27), [cols])];
        GradCheck.Check((g, t) => g.AddLayerNorm(t[0], t[0], t[1], t[2], 1e-5f),
            x => ReferenceBackend.LayerNorm(ReferenceBackend.Add(x[0], x[0]), rows, cols, x[1], x[2], 1e-5f), inputs);
    }

    [Fact]
    public void AddLayerNorm_forward_gives_the_bits_of_add_then_layer_norm()
    {
        const int rows = 300, cols = 300;   // crosses the threading threshold
        using var backend = new CpuBackend();
        using Tensor x = Tensor.FromArray(Values(rows * cols, 28, 1f, 5f), rows, cols), res = Tensor.FromArray(Values(rows * cols, 29), rows, cols);
        using Tensor gamma = Tensor.FromArray(Values(cols, 30, 0.5f, 1f), cols), beta = Tensor.FromArray(Values(cols, 31), cols);
        using Tensor sum = Tensor.Zeros(rows, cols), y = Tensor.Zeros(rows, cols), fused = Tensor.Zeros(rows, cols);
        using Tensor mean = Tensor.Zeros(rows), rstd = Tensor.Zeros(rows), fusedMean = Tensor.Zeros(rows), fusedRstd = Tensor.Zeros(rows);
        backend.Add(x, res, sum);
        backend.LayerNorm(sum, gamma, beta, 1e-12f, y, mean, rstd);
        backend.AddLayerNorm(x, res, gamma, beta, 1e-12f, fused, fusedMean, fusedRstd);
        Assert.Equal(y.ToArray(), fused.ToArray());
        Assert.Equal(mean.ToArray(), fusedMean.ToArray());
        Assert.Equal(rstd.ToArray(), fusedRstd.ToArray());
    }

    [Fact]
    public void LayerNorm_split_over_threads_gives_the_bits_of_one_row_at_a_time()
    {
        // 300 × 300 crosses the parallel threshold: rows for y and dx, column blocks for dgamma and dbeta.
        const int rows = 300, cols = 300;
        using var backend = new CpuBackend();
        var xs = Values(rows * cols, 8, 1f, 5f);
        using var x = Tensor.FromArray(xs, rows, cols);
        using var gamma = Tensor.FromArray(Values(cols, 9, 0.5f, 1f), cols);
        using var beta = Tensor.FromArray(Values(cols, 10), cols);
        using var dy = Tensor.FromArray(Values(rows * cols, 11), rows, cols);
        using Tensor y = Tensor.Zeros(rows, cols), mean = Tensor.Zeros(rows), rstd = Tensor.Zeros(rows);
        using Tensor dx = Tensor.Zeros(rows, cols), dgamma = Tensor.Zeros(cols), dbeta = Tensor.Zeros(cols);
        backend.LayerNorm(x, gamma, beta, 1e-5f, y, mean, rstd);
        backend.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        Close.RelativeToMax(y.ToArray(), ReferenceBackend.LayerNorm(xs.ToDouble(), rows, cols, gamma.ToArray().ToDouble(), beta.ToArray().ToDouble(), 1e-5f),
            GradCheck.ForwardTolerance, "forward");

        using Tensor y1 = Tensor.Zeros(rows, cols), mean1 = Tensor.Zeros(rows), rstd1 = Tensor.Zeros(rows);
        using Tensor dx1 = Tensor.Zeros(rows, cols), dgamma1 = Tensor.Zeros(cols), dbeta1 = Tensor.Zeros(cols);
        for (int r = 0; r < rows; r++)
        {
            backend.LayerNorm(x.SliceRows(r, 1), gamma, beta, 1e-5f, y1.SliceRows(r, 1), mean1.SliceRows(r, 1), rstd1.SliceRows(r, 1));
            backend.LayerNormBackward(dy.SliceRows(r, 1), x.SliceRows(r, 1), gamma, mean1.SliceRows(r, 1), rstd1.SliceRows(r, 1),
                dx1.SliceRows(r, 1), dgamma1, dbeta1);
        }
        Assert.Equal(y1.ToArray(), y.ToArray());
        Assert.Equal(dx1.ToArray(), dx.ToArray());
        Assert.Equal(dgamma1.ToArray(), dgamma.ToArray());
        Assert.Equal(dbeta1.ToArray(), dbeta.ToArray());
    }

    [Fact]
    public void Softmax_is_stable_for_large_inputs()
    {
        // Rows around +90 (exp overflows fp32 without the max subtracted), around -110 (exp underflows to 0,
        // giving 0/0), spread over ±80 (nearly one-hot), and an ordinary row.
        const int cols = 11;
        float[] x = [.. Values(cols, 12, 3f, 90f), .. Values(cols, 13, 3f, -110f), .. Values(cols, 14, 80f), .. Values(cols, 15, 3f)];
        GradCheck.Check((g, t) => g.Softmax(t[0]), d => ReferenceBackend.Softmax(d[0], 4, cols), [new OpInput(x, [4, cols])]);
    }

    [Fact]
    public void Softmax_on_rows_wider_than_several_vectors() =>
        GradCheck.Check((g, t) => g.Softmax(t[0]), d => ReferenceBackend.Softmax(d[0], 6, 37), [new OpInput(Values(6 * 37, 16, 4f), [2, 3, 37])]);

}
