using BertCore.Backends;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// AttentionQkv and PackedAttentionQkv (inference attention reading q, k, v in place from the column blocks of one
/// [.., 3·H·D] matrix, the output of the stacked query/key/value product). Oracle: the same backend's attention over
/// q, k, v that the test cuts out of that matrix itself. The reference gives the same bits both ways (the same double
/// sums), the CPU backend too (its kernel packs the same tiles from either layout), and the CPU fused op is within
/// 1e-5 of the reference (rows of at most 130 keys in fp32, as the unfused ops' tests). The GPU backend refuses (its
/// models are never fused).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class AttentionQkvTests(SimulatorFixture simulator)
{
    private const int H = 2, D = 5, W = H * D;

    /// <summary>Two sequences of 130 positions (three query tiles, two key tiles of the CPU kernel); the second has
    /// only its first 70 keys unmasked.</summary>
    private const int B = 2, S = 130;

    /// <summary>Packed: sequences of 5, 1, 130 and 3 tokens.</summary>
    private static readonly int[] Offsets = [0, 5, 6, 136, 139];

    private static int T => Offsets[^1];

    private static readonly float Scale = 1f / MathF.Sqrt(D);

    private static int[] Mask()
    {
        var mask = new int[B * S];
        Array.Fill(mask, 1, 0, S);
        Array.Fill(mask, 1, S, 70);
        return mask;
    }

    private static float[] Qkv(int rows) => TestData.Uniform(rows * 3 * W, 51, 1.5f);

    /// <summary>Column block <paramref name="block"/> (0 q, 1 k, 2 v) of qkv [rows, 3·W]: [rows, W].</summary>
    private static OpTensor Block(float[] qkv, int rows, int block)
    {
        var values = new float[rows * W];
        for (int r = 0; r < rows; r++) Array.Copy(qkv, r * 3 * W + block * W, values, r * W, W);
        return OpTensor.Of(values, rows, W);
    }

    private static OpTensor[] Fused() =>
        [OpTensor.Of(Qkv(B * S), B, S, 3 * W), OpTensor.Indices(Mask(), B, S), OpTensor.Zeros(B, S, W), OpTensor.Zeros(B, H, S)];

    private static OpTensor[] Unfused()
    {
        var qkv = Qkv(B * S);
        OpTensor Of(int block) => OpTensor.Of(Block(qkv, B * S, block).Floats!, B, S, W);
        return [Of(0), Of(1), Of(2), OpTensor.Indices(Mask(), B, S), OpTensor.Zeros(B, S, W), OpTensor.Zeros(B, H, S)];
    }

    private static void RunFused(IBackend x, Tensors.Tensor[] t) => x.AttentionQkv(t[0], t[1], H, Scale, t[2], t[3]);

    private static void RunUnfused(IBackend x, Tensors.Tensor[] t) => x.Attention(t[0], t[1], t[2], t[3], H, Scale, Dropout.None, t[4], t[5]);

    private static OpTensor[] PackedFused() =>
        [OpTensor.Of(Qkv(T), T, 3 * W), OpTensor.Indices(Offsets, Offsets.Length), OpTensor.Zeros(T, W), OpTensor.Zeros(T * H)];

    private static OpTensor[] PackedUnfused()
    {
        var qkv = Qkv(T);
        return [Block(qkv, T, 0), Block(qkv, T, 1), Block(qkv, T, 2), OpTensor.Indices(Offsets, Offsets.Length), OpTensor.Zeros(T, W), OpTensor.Zeros(T * H)];
    }

    private static void RunPackedFused(IBackend x, Tensors.Tensor[] t) => x.PackedAttentionQkv(t[0], t[1], H, Scale, t[2], t[3]);

    private static void RunPackedUnfused(IBackend x, Tensors.Tensor[] t) => x.PackedAttention(t[0], t[1], t[2], t[3], H, Scale, t[4], t[5]);

    /// <summary>Output and log-sum-exp of the fused op equal the unfused op's over the cut-out blocks, bit for bit.</summary>
    [Theory]
    [InlineData(OpBackends.Reference)]
    [InlineData(OpBackends.Cpu)]
    public void Fused_attention_is_the_attention_of_its_column_blocks(string backend)
    {
        var x = OpBackends.Get(backend, simulator);
        var fused = Conformance.Run(x, Fused(), RunFused);
        var unfused = Conformance.Run(x, Unfused(), RunUnfused);
        Assert.Equal(unfused[4], fused[2]);
        Assert.Equal(unfused[5], fused[3]);
    }

    [Theory]
    [InlineData(OpBackends.Reference)]
    [InlineData(OpBackends.Cpu)]
    public void Packed_fused_attention_is_the_packed_attention_of_its_column_blocks(string backend)
    {
        var x = OpBackends.Get(backend, simulator);
        var fused = Conformance.Run(x, PackedFused(), RunPackedFused);
        var unfused = Conformance.Run(x, PackedUnfused(), RunPackedUnfused);
        Assert.Equal(unfused[4], fused[2]);
        Assert.Equal(unfused[5], fused[3]);
    }

    [Fact]
    public void Cpu_fused_attention_matches_reference() =>
        Conformance.Matches(OpBackends.Get(OpBackends.Cpu, simulator), Fused(), RunFused, 1e-5);

    [Fact]
    public void Cpu_packed_fused_attention_matches_reference() =>
        Conformance.Matches(OpBackends.Get(OpBackends.Cpu, simulator), PackedFused(), RunPackedFused, 1e-5);

    [Fact]
    public void Gpu_backend_refuses_fused_inputs()
    {
        Assert.Throws<NotSupportedException>(() => Conformance.Run(simulator.Backend, Fused(), RunFused));
        Assert.Throws<NotSupportedException>(() => Conformance.Run(simulator.Backend, PackedFused(), RunPackedFused));
    }

    [Fact]
    public void A_qkv_width_not_three_blocks_of_whole_heads_is_rejected() =>
        Conformance.Rejects(OpBackends.Get(OpBackends.Cpu, simulator),
            [OpTensor.Zeros(4, 3 * W + 2), OpTensor.Indices([0, 4], 2), OpTensor.Zeros(4, W), OpTensor.Zeros(4 * H)],
            RunPackedFused, "PackedAttentionQkv: qkv [4, 32] must be [T, 3·H·D]");
}
