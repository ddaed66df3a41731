using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class AttentionTests
{
    private const int B = 2, S = 11, H = 3, D = 5;
    private const ulong Seed = 99;

    /// <summary>[B, S]: batch 0 attends to every key, batch 1 has its last 4 positions padded.</summary>
    private static readonly int[] PaddedMask = [.. Enumerable.Repeat(1, S), .. Enumerable.Repeat(1, S - 4), .. Enumerable.Repeat(0, 4)];

    /// <summary>
    /// S = 131 spans three query tiles (48, 48, 35 rows) and two key tiles (128 and 3 keys), so the softmax runs
    /// online across tiles. The last 3 keys are made larger, so that most rows find their maximum score in the
    /// second tile and must rescale what the first one accumulated; keys 60..64 are padded. Small B, H and D keep
    /// the finite differences quick.
    /// </summary>
    [Fact]
    public void Attention_over_several_query_and_key_tiles()
    {
        const int b = 1, s = 131, h = 1, d = 2;
        int[] mask = [.. Enumerable.Range(0, s).Select(j => j is >= 60 and < 65 ? 0 : 1)];
        var keys = TestData.Uniform(b * s * h * d, 72, 1.5f);
        for (int i = (s - 3) * d; i < s * d; i++) keys[i] *= 4;
        OpInput[] inputs =
        [
            new(TestData.Uniform(b * s * h * d, 71, 1.5f), [b, s, h * d]),
            new(keys, [b, s, h * d]),
            new(TestData.Uniform(b * s * h * d, 73), [b, s, h * d]),
        ];
        var dropout = new Dropout(0.1f, Seed, 0);
        GradCheck.Check((g, t) =>
            {
                g.Training = true;
                g.Seed = Seed;
                g.RngOffset = 0;
                return g.Attention(t[0], t[1], t[2], g.Input(mask, b, s), h, 0.1f);
            },
            x => ReferenceBackend.Attention(x[0], x[1], x[2], mask, b, s, h, dropout), inputs);
    }

    /// <summary>A whole key tile masked (batch 1's last 5 of 131 keys): the running max must survive it.</summary>
    [Fact]
    public void A_fully_masked_key_tile_adds_nothing()
    {
        const int b = 2, s = 131, h = 2, d = 4;
        var q = TestData.Uniform(b * s * h * d, 81);
        var k = TestData.Uniform(b * s * h * d, 82);
        var v = TestData.Uniform(b * s * h * d, 83);
        int[] mask = [.. Enumerable.Repeat(1, s), .. Enumerable.Repeat(1, s - 5), .. Enumerable.Repeat(0, 5)];
        using var backend = new CpuBackend();
        using Tensor tq = Tensor.FromArray(q, b, s, h * d), tk = Tensor.FromArray(k, b, s, h * d), tv = Tensor.FromArray(v, b, s, h * d);
        using Tensor tMask = Tensor.FromArray(mask, b, s), output = Tensor.Zeros(b, s, h * d), lse = Tensor.Zeros(b, h, s);
        backend.Attention(tq, tk, tv, tMask, h, 0.5f, Dropout.None, output, lse);
        Close.RelativeToMax(output.ToArray(), ReferenceBackend.Attention(q.ToDouble(), k.ToDouble(), v.ToDouble(), mask, b, s, h, Dropout.None),
            GradCheck.ForwardTolerance, "forward");
    }

    /// <summary>Forward and backward through the backend directly: output, logSumExp, dq, dk, dv.</summary>
    private sealed class Run : IDisposable
    {
        public readonly CpuBackend Backend = new();
        public readonly Tensor Q, K, V, Mask, DOut, Output, LogSumExp;
        public readonly Dropout Dropout;
        public readonly float Scale = 1f / MathF.Sqrt(D);

        public Run(float p)
        {
            Q = Tensor.FromArray(TestData.Uniform(B * S * H * D, 31, 1.5f), B, S, H * D);
            K = Tensor.FromArray(TestData.Uniform(B * S * H * D, 32, 1.5f), B, S, H * D);
            V = Tensor.FromArray(TestData.Uniform(B * S * H * D, 33), B, S, H * D);
            Mask = Tensor.FromArray(PaddedMask, B, S);
            DOut = Tensor.FromArray(TestData.Uniform(B * S * H * D, 34), B, S, H * D);
            Output = Tensor.Zeros(B, S, H * D);
            LogSumExp = Tensor.Zeros(B, H, S);
            Dropout = new Dropout(p, Seed, 7);
            Backend.Attention(Q, K, V, Mask, H, Scale, Dropout, Output, LogSumExp);
        }

        public void Backward(Tensor? dq, Tensor? dk, Tensor? dv) =>
            Backend.AttentionBackward(Q, K, V, Mask, Output, LogSumExp, DOut, H, Scale, Dropout, dq, dk, dv);

        public void Dispose()
        {
            foreach (var t in new[] { Q, K, V, Mask, DOut, Output, LogSumExp }) t.Dispose();
        }
    }

    [Fact]
    public void Padded_keys_get_exactly_zero_gradient()
    {
        using var run = new Run(0.2f);
        using Tensor dq = Tensor.Zeros(B, S, H * D), dk = Tensor.Zeros(B, S, H * D), dv = Tensor.Zeros(B, S, H * D);
        run.Backward(dq, dk, dv);
        float[] dkAll = dk.ToArray(), dvAll = dv.ToArray();
        const int b = 1;   // the padded batch; its keys S-4 .. S-1 are masked
        for (int j = S - 4; j < S; j++)
            for (int c = 0; c < H * D; c++)
            {
                Assert.Equal(0f, dkAll[(b * S + j) * H * D + c]);
                Assert.Equal(0f, dvAll[(b * S + j) * H * D + c]);
            }
        Assert.Contains(dkAll.Take(S * H * D), g => g != 0f);   // batch 0 has no padding: its keys do get gradients
    }

    [Fact]
    public void Saved_log_sum_exp_is_of_the_scores_before_dropout()
    {
        using var dropped = new Run(0.2f);
        using var plain = new Run(0f);
        Assert.Equal(plain.LogSumExp.ToArray(), dropped.LogSumExp.ToArray());
        Assert.NotEqual(plain.Output.ToArray(), dropped.Output.ToArray());
        // log Σ_j exp(q_i·k_j·scale + mask_j) in double, unmasked keys only (a masked key adds exp(-3.4e38) = 0).
        float[] q = plain.Q.ToArray(), k = plain.K.ToArray(), lse = plain.LogSumExp.ToArray();
        var expected = new double[B * H * S];
        for (int b = 0; b < B; b++)
            for (int h = 0; h < H; h++)
                for (int i = 0; i < S; i++)
                {
                    double sum = 0;
                    for (int j = 0; j < S; j++)
                    {
                        if (PaddedMask[b * S + j] == 0) continue;
                        double dot = 0;
                        for (int c = 0; c < D; c++) dot += (double)q[(b * S + i) * H * D + h * D + c] * k[(b * S + j) * H * D + h * D + c];
                        sum += Math.Exp(dot * plain.Scale);
                    }
                    expected[(b * H + h) * S + i] = Math.Log(sum);
                }
        Close.RelativeToMax(lse, expected, GradCheck.ForwardTolerance, "logSumExp");
    }

    [Fact]
    public void Heads_run_in_parallel_at_larger_sizes_and_match_reference()
    {
        // 2 · 4 heads of 40² · 16 multiply-adds cross the parallel threshold.
        const int b = 2, s = 40, h = 4, d = 16;
        var q = TestData.Uniform(b * s * h * d, 41);
        var k = TestData.Uniform(b * s * h * d, 42);
        var v = TestData.Uniform(b * s * h * d, 43);
        int[] mask = [.. Enumerable.Repeat(1, s), .. Enumerable.Repeat(1, s - 13), .. Enumerable.Repeat(0, 13)];
        var dropout = new Dropout(0.1f, Seed, 1000);
        using var backend = new CpuBackend();
        using Tensor tq = Tensor.FromArray(q, b, s, h * d), tk = Tensor.FromArray(k, b, s, h * d), tv = Tensor.FromArray(v, b, s, h * d);
        using Tensor tMask = Tensor.FromArray(mask, b, s), output = Tensor.Zeros(b, s, h * d), lse = Tensor.Zeros(b, h, s);
        backend.Attention(tq, tk, tv, tMask, h, 1f / MathF.Sqrt(d), dropout, output, lse);
        Close.RelativeToMax(output.ToArray(), ReferenceBackend.Attention(q.ToDouble(), k.ToDouble(), v.ToDouble(), mask, b, s, h, dropout),
            GradCheck.ForwardTolerance, "forward");
    }
}
