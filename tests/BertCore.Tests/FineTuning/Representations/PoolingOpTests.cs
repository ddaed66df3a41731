using BertCore.Tests.Support;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.FineTuning.Representations;

/// <summary>
/// The pooling ops (Graph.Concat, masked mean and max, [CLS] of several layers, the scalar mix): forward against a
/// double-precision hand computation, gradients against its central finite differences (<see cref="GradCheck"/>).
/// </summary>
public class PoolingOpTests
{
    private const int B = 3, S = 4, H = 5;

    /// <summary>Row 0 is full, row 1 has 2 tokens, row 2 only [CLS].</summary>
    private static readonly int[] Mask = [1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0];

    /// <summary>Hidden states with the padding positions at +10 or -10: a pooling that ignored the mask would
    /// pick them (max) or be pulled far off (mean).</summary>
    private static float[] Hidden(int seed, float padding)
    {
        var h = TestData.Uniform(B * S * H, seed);
        for (int i = 0; i < B * S; i++)
            if (Mask[i] == 0) Array.Fill(h, padding, i * H, H);
        return h;
    }

    [Fact]
    public void Concat_joins_the_last_dimension_and_splits_the_gradient()
    {
        GradCheck.Check(
            (g, x) => g.Concat([x[0], x[1], x[2]]),
            x =>
            {
                var y = new double[6 * 7];
                for (int r = 0; r < 6; r++)
                {
                    for (int c = 0; c < 2; c++) y[r * 7 + c] = x[0][r * 2 + c];
                    for (int c = 0; c < 4; c++) y[r * 7 + 2 + c] = x[1][r * 4 + c];
                    y[r * 7 + 6] = x[2][r];
                }
                return y;
            },
            [new(TestData.Uniform(12, 1), [2, 3, 2]), new(TestData.Uniform(24, 2), [2, 3, 4]), new(TestData.Uniform(6, 3), [2, 3, 1])]);
    }

    [Fact]
    public void Masked_mean_averages_only_the_real_tokens()
    {
        GradCheck.Check(
            (g, x) => SequencePooling.MaskedMean(g, x[0], Mask),
            x =>
            {
                var y = new double[B * H];
                for (int b = 0; b < B; b++)
                {
                    int count = 0;
                    for (int t = 0; t < S; t++) count += Mask[b * S + t];
                    for (int d = 0; d < H; d++)
                        for (int t = 0; t < S; t++)
                            if (Mask[b * S + t] == 1) y[b * H + d] += x[0][(b * S + t) * H + d] / count;
                }
                return y;
            },
            [new(Hidden(4, 10f), [B, S, H])]);
    }

    [Fact]
    public void Masked_max_takes_the_largest_real_token_and_routes_the_gradient_to_it()
    {
        GradCheck.Check(
            (g, x) => SequencePooling.MaskedMax(g, x[0], Mask),
            x =>
            {
                var y = new double[B * H];
                for (int b = 0; b < B; b++)
                    for (int d = 0; d < H; d++)
                    {
                        y[b * H + d] = double.NegativeInfinity;
                        for (int t = 0; t < S; t++)
                            if (Mask[b * S + t] == 1) y[b * H + d] = Math.Max(y[b * H + d], x[0][(b * S + t) * H + d]);
                    }
                return y;
            },
            [new(Hidden(5, 10f), [B, S, H])]);
    }

    [Fact]
    public void Last_layers_cls_puts_the_last_hidden_state_first()
    {
        GradCheck.Check(
            (g, x) => SequencePooling.LastLayersCls(g, x, 2),
            x =>
            {
                var y = new double[B * 2 * H];
                for (int b = 0; b < B; b++)
                    for (int d = 0; d < H; d++)
                    {
                        y[b * 2 * H + d] = x[2][b * S * H + d];          // last hidden state, token 0
                        y[b * 2 * H + H + d] = x[1][b * S * H + d];      // the one before
                    }
                return y;
            },
            [new(TestData.Uniform(B * S * H, 6), [B, S, H]), new(TestData.Uniform(B * S * H, 7), [B, S, H]), new(TestData.Uniform(B * S * H, 8), [B, S, H])]);
    }

    [Fact]
    public void Scalar_mix_is_gamma_times_a_softmax_weighted_sum()
    {
        const int n = 3;
        GradCheck.Check(
            (g, x) => ScalarMix.Mix(g, x[0], x[1], x[2]),
            x =>
            {
                double max = x[1].Max(), sum = x[1].Sum(w => Math.Exp(w - max));
                var y = new double[B * H];
                for (int b = 0; b < B; b++)
                    for (int d = 0; d < H; d++)
                        for (int j = 0; j < n; j++)
                            y[b * H + d] += x[2][0] * Math.Exp(x[1][j] - max) / sum * x[0][b * n * H + j * H + d];
                return y;
            },
            [new(TestData.Uniform(B * n * H, 9), [B, n * H]), new([0.3f, -0.7f, 0.9f], [n]), new([1.7f], [1])]);
    }
}
