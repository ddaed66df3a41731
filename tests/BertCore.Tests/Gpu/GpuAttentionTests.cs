using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Gpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Gpu;

/// <summary>
/// The fused attention kernels on the simulator against the reference and its finite differences. The kernels work
/// in 64-row tiles, 32-column contraction steps and 64-column head halves: S = 70 spans two tiles with tails, D = 24
/// and 33 leave contraction tails, D = 72 takes two halves; padding masks and dropout (the counter RNG at the
/// reference's positions) are on.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class GpuAttentionTests(SimulatorFixture fixture)
{
    private const ulong Seed = 99;
    private readonly GpuBackend _gpu = fixture.Backend;

    private void Check(int batch, int seq, int heads, int d, int padded, float p, bool dq = true, bool dk = true, bool dv = true)
    {
        int n = batch * seq * heads * d;
        int[] mask = PaddingMask(batch, seq, padded);
        var dropout = p > 0 ? new Dropout(p, Seed, 0) : Dropout.None;
        GpuGradCheck.Check(_gpu, (g, t) => Build(g, t, mask, batch, seq, heads, p),
            x => ReferenceBackend.Attention(x[0], x[1], x[2], mask, batch, seq, heads, dropout),
            [
                new OpInput(TestData.Uniform(n, 21, 1.5f), [batch, seq, heads * d], dq),
                new OpInput(TestData.Uniform(n, 22, 1.5f), [batch, seq, heads * d], dk),
                new OpInput(TestData.Uniform(n, 23), [batch, seq, heads * d], dv),
            ]);
    }

    private static Tensor Build(Graph g, Tensor[] t, int[] mask, int batch, int seq, int heads, float p)
    {
        g.Training = p > 0;
        g.Seed = Seed;
        g.RngOffset = 0;
        return g.Attention(t[0], t[1], t[2], g.Input(mask, batch, seq), heads, p);
    }

    /// <summary>
    /// At shapes where the reference's finite differences would take minutes: the forward against the reference, the
    /// backward against the CPU backend (itself checked against finite differences). Both backends are fp32 and sum
    /// the same ≤ 72 terms in different orders, so they agree to ~1e-6 of the largest value; 1e-5 is the bound.
    /// </summary>
    private void CompareWithCpu(int batch, int seq, int heads, int d, int padded, float p)
    {
        var (inputs, mask, dropout) = Case(batch, seq, heads, d, padded, p);
        int w = heads * d;
        float scale = 1f / MathF.Sqrt(d);
        var cpu = new BertCore.Backends.Cpu.CpuBackend(1);
        var host = inputs.Select(x => Tensor.FromArray(x, batch, seq, w)).ToArray();
        using var hostMask = Tensor.FromArray(mask, batch, seq);
        Tensor[] hostOut = [.. Enumerable.Range(0, 4).Select(_ => Tensor.Zeros(batch, seq, w)), Tensor.Zeros(batch, heads, seq)];
        try
        {
            cpu.Attention(host[0], host[1], host[2], hostMask, heads, scale, dropout, hostOut[0], hostOut[4]);
            cpu.AttentionBackward(host[0], host[1], host[2], hostMask, hostOut[0], hostOut[4], host[3], heads, scale, dropout,
                hostOut[1], hostOut[2], hostOut[3]);
            var onGpu = RunOnGpu(_gpu, inputs, mask, batch, seq, heads, d, dropout);
            var reference = ReferenceBackend.Attention(inputs[0].ToDouble(), inputs[1].ToDouble(), inputs[2].ToDouble(), mask, batch, seq, heads,
                dropout);
            Close.RelativeToMax(onGpu[0], reference, GradCheck.ForwardTolerance, "output vs reference");
            string[] names = ["output", "dq", "dk", "dv", "logSumExp"];
            for (int t = 0; t < 5; t++)
                Close.RelativeToMax(onGpu[t], hostOut[t].ToArray(), GradCheck.ForwardTolerance, names[t] + " vs CPU");
        }
        finally
        {
            foreach (var t in host.Concat(hostOut)) t.Dispose();
        }
    }

    /// <summary>A mask [B, S] with the last <paramref name="padded"/> keys of the last sequence padding (0), the rest 1.</summary>
    private static int[] PaddingMask(int batch, int seq, int padded) =>
        [.. Enumerable.Range(0, batch * seq).Select(i => i / seq == batch - 1 && i % seq >= seq - padded ? 0 : 1)];

    /// <summary>q, k, v, dOutput [B, S, H·D] of fixed random values; a mask [B, S] padding the last
    /// <paramref name="padded"/> keys of the last sequence; dropout p (none at 0).</summary>
    internal static (float[][] Inputs, int[] Mask, Dropout Dropout) Case(int batch, int seq, int heads, int d, int padded, float p)
    {
        int n = batch * seq * heads * d;
        int[] mask = PaddingMask(batch, seq, padded);
        float[][] inputs = [TestData.Uniform(n, 31, 1.5f), TestData.Uniform(n, 32, 1.5f), TestData.Uniform(n, 33), TestData.Uniform(n, 34)];
        return (inputs, mask, p > 0 ? new Dropout(p, Seed, 3) : Dropout.None);
    }

    /// <summary>Attention forward then backward on <paramref name="gpu"/> from inputs q, k, v, dOutput [B, S, H·D]:
    /// output, dq, dk, dv [B, S, H·D] and logSumExp [B, H, S], downloaded.</summary>
    internal static float[][] RunOnGpu(GpuBackend gpu, float[][] inputs, int[] mask, int batch, int seq, int heads, int d, Dropout dropout)
    {
        int n = batch * seq * heads * d, w = heads * d;
        float scale = 1f / MathF.Sqrt(d);
        var dev = inputs.Select(x => GpuGradCheck.Device(gpu, x, batch, seq, w)).ToArray();
        using var devMask = GpuGradCheck.Device(gpu, mask, batch, seq);
        Tensor[] devOut = [.. Enumerable.Range(0, 4).Select(_ => GpuGradCheck.Device(gpu, new float[n], batch, seq, w)),
            GpuGradCheck.Device(gpu, new float[batch * heads * seq], batch, heads, seq)];
        try
        {
            gpu.Attention(dev[0], dev[1], dev[2], devMask, heads, scale, dropout, devOut[0], devOut[4]);
            gpu.AttentionBackward(dev[0], dev[1], dev[2], devMask, devOut[0], devOut[4], dev[3], heads, scale, dropout,
                devOut[1], devOut[2], devOut[3]);
            return [.. devOut.Select(t => GpuGradCheck.Download(gpu, t))];
        }
        finally
        {
            foreach (var t in dev.Concat(devOut)) t.Dispose();
        }
    }

    /// <summary>Attention with the launch bound (<see cref="GpuBackend.WithAttentionBound{T}"/>) gives the unbounded
    /// kernels' bits: a bound changes only ptxas's register budget, never the arithmetic. On the simulator this checks
    /// that the bounded set is wired kernel for kernel (a swapped or missing one fails); CudaTests checks the bits on a
    /// device, where ptxas compiles each set.</summary>
    [Fact]
    public void Bounded_attention_kernels_give_the_unbounded_bits() => AssertBoundGivesSameBits(_gpu, batch: 1, seq: 20, heads: 1, d: 8);

    internal static void AssertBoundGivesSameBits(GpuBackend gpu, int batch, int seq, int heads, int d)
    {
        var (inputs, mask, dropout) = Case(batch, seq, heads, d, padded: 3, p: 0.1f);
        var unbounded = RunOnGpu(gpu, inputs, mask, batch, seq, heads, d, dropout);
        var bounded = gpu.WithAttentionBound(2, () => RunOnGpu(gpu, inputs, mask, batch, seq, heads, d, dropout));
        Assert.Equal(0, gpu.AttentionGroupsPerMultiprocessor);
        string[] names = ["output", "dq", "dk", "dv", "logSumExp"];
        for (int t = 0; t < 5; t++) Assert.True(unbounded[t].AsSpan().SequenceEqual(bounded[t]), $"{names[t]} differs with the launch bound");
    }

    /// <summary>The simulator's shuffles cost ~0.1 ms each, so this shape is kept to one (batch, head) pair: ~5 s.</summary>
    [Fact]
    public void Attention_over_two_key_blocks_with_wide_heads_padding_and_dropout() =>
        CompareWithCpu(batch: 1, seq: 33, heads: 1, d: 33, padded: 3, p: 0.1f);

    /// <summary>Two 64-row tiles with a tail of 6 on the query and key sides, two 32-column contraction steps with a
    /// tail of 8, two sequences, padding and dropout: every tile boundary of the kernels (one head: head offsets are
    /// covered by the other cases, and each group costs seconds on the simulator).</summary>
    [Fact]
    public void Attention_over_two_tiles_with_tails_on_every_dimension() =>
        CompareWithCpu(batch: 2, seq: 70, heads: 1, d: 24, padded: 5, p: 0.1f);

    /// <summary>A head wider than 64 columns: two groups per tile, each accumulating one half of the head.</summary>
    [Fact]
    public void Attention_with_a_head_wider_than_64_columns() =>
        CompareWithCpu(batch: 1, seq: 20, heads: 2, d: 72, padded: 3, p: 0.1f);

}
