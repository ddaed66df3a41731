using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// PackedAttention (inference attention over sequences packed back to back): the reference against the padded
/// reference attention of the same sequences (its independent oracle), the CPU backend against the reference (1e-5:
/// rows of at most 130 keys in fp32), each CPU sequence bitwise the same alone or among others, and the GPU backend's
/// refusal (it has no ragged kernel; callers pad there).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class PackedAttentionTests(SimulatorFixture simulator)
{
    private const int H = 2, D = 3, W = H * D;

    /// <summary>Sequences of 5, 1, 130 (two key tiles of the CPU kernel) and 3 tokens.</summary>
    private static readonly int[] Offsets = [0, 5, 6, 136, 139];

    private static int T => Offsets[^1];

    private static readonly float Scale = 1f / MathF.Sqrt(D);

    private static OpTensor[] Operands() =>
    [
        OpTensor.Random(41, 1.5f, T, W), OpTensor.Random(42, 1.5f, T, W), OpTensor.Random(43, 1f, T, W),
        OpTensor.Indices(Offsets, Offsets.Length), OpTensor.Zeros(T, W), OpTensor.Zeros(T * H),
    ];

    private static void Run(IBackend x, Tensors.Tensor[] t) => x.PackedAttention(t[0], t[1], t[2], t[3], H, Scale, t[4], t[5]);

    [Theory]
    [InlineData(OpBackends.Reference)]
    [InlineData(OpBackends.Cpu)]
    public void PackedAttention_matches_reference(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator), Operands(), Run, 1e-5);

    /// <summary>The reference's packed output equals its padded attention over the sequences padded to the longest
    /// with a key mask (double arithmetic both: 1e-6 covers the fp32 rounding of the stored result).</summary>
    [Fact]
    public void Reference_packed_attention_is_padded_attention_per_sequence()
    {
        var operands = Operands();
        var packed = Conformance.Run(OpBackends.Get(OpBackends.Reference, simulator), operands, Run)[4]!;
        int n = Offsets.Length - 1, longest = Enumerable.Range(0, n).Max(i => Offsets[i + 1] - Offsets[i]);
        double[] Pad(float[] rows)
        {
            var padded = new double[n * longest * W];
            for (int i = 0; i < n; i++)
                for (int r = Offsets[i]; r < Offsets[i + 1]; r++)
                    for (int c = 0; c < W; c++) padded[((i * longest) + r - Offsets[i]) * W + c] = rows[r * W + c];
            return padded;
        }
        var mask = new int[n * longest];
        for (int i = 0; i < n; i++) Array.Fill(mask, 1, i * longest, Offsets[i + 1] - Offsets[i]);
        var expected = ReferenceBackend.Attention(Pad(operands[0].Floats!), Pad(operands[1].Floats!), Pad(operands[2].Floats!), mask, n, longest, H,
            Dropout.None);
        var unpadded = new double[T * W];
        for (int i = 0; i < n; i++)
            Array.Copy(expected, i * longest * W, unpadded, Offsets[i] * W, (Offsets[i + 1] - Offsets[i]) * W);
        Close.RelativeToMax(packed, unpadded, 1e-6, "packed vs padded reference");
    }

    /// <summary>The CPU rows of the 130-token sequence are the same bits when it is packed alone.</summary>
    [Fact]
    public void Cpu_sequence_is_bitwise_the_same_alone()
    {
        var operands = Operands();
        var together = Conformance.Run(OpBackends.Get(OpBackends.Cpu, simulator), operands, Run)[4]!;
        int from = Offsets[2], length = Offsets[3] - from;
        OpTensor Rows(OpTensor o) => OpTensor.Of(o.Floats!.AsSpan(from * W, length * W).ToArray(), length, W);
        var alone = Conformance.Run(OpBackends.Get(OpBackends.Cpu, simulator),
            [Rows(operands[0]), Rows(operands[1]), Rows(operands[2]), OpTensor.Indices([0, length], 2), OpTensor.Zeros(length, W), OpTensor.Zeros(length * H)],
            Run)[4]!;
        Assert.Equal(together.AsSpan(from * W, length * W).ToArray(), alone);
    }

    [Fact]
    public void Gpu_backend_refuses_so_callers_pad() =>
        Assert.Throws<NotSupportedException>(() => Conformance.Run(simulator.Backend, Operands(), Run));

    [Fact]
    public void Offsets_that_do_not_end_at_the_tokens_are_rejected() =>
        Conformance.Rejects(OpBackends.Get(OpBackends.Cpu, simulator),
        [
            OpTensor.Zeros(4, W), OpTensor.Zeros(4, W), OpTensor.Zeros(4, W), OpTensor.Indices([0, 2, 3], 3), OpTensor.Zeros(4, W), OpTensor.Zeros(4 * H),
        ], Run, "PackedAttention: offsets must run from 0 to the 4 tokens");
}
