using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The attention family (Attention, AttentionBackward) on every backend: through the tape against the reference's double
/// function and its finite differences (GradCheck's 1e-5 / 1e-4), with and without padding and dropout; and the backward
/// op called directly with some gradients absent and pre-filled ones, against ReferenceBackend (1e-5: rows of 7 keys).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class AttentionTests(SimulatorFixture simulator)
{
    private const int B = 2, S = 7, H = 3, D = 3;
    private const ulong Seed = 99;

    /// <summary>[B, S]: batch 0 attends to every key, batch 1 has its last 3 positions padded.</summary>
    private static readonly int[] PaddedMask = [.. Enumerable.Repeat(1, S), .. Enumerable.Repeat(1, S - 3), .. Enumerable.Repeat(0, 3)];

    public static IEnumerable<object[]> Cases() => OpBackends.Cross([[false, 0f], [true, 0f], [true, 0.2f]]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Attention_matches_reference_and_finite_differences(string backend, bool padded, float p)
    {
        var mask = padded ? PaddedMask : null;
        var dropout = p > 0 ? new Dropout(p, Seed, 0) : Dropout.None;
        GradCheck.Check((g, t) =>
        {
            g.Training = p > 0;
            g.Seed = Seed;
            g.RngOffset = 0;
            return g.Attention(t[0], t[1], t[2], mask == null ? null : g.Input(mask, B, S), H, p);
        }, x => ReferenceBackend.Attention(x[0], x[1], x[2], mask, B, S, H, dropout),
        [
            new(TestData.Uniform(B * S * H * D, 21, 1.5f), [B, S, H * D]),
            new(TestData.Uniform(B * S * H * D, 22, 1.5f), [B, S, H * D]),
            new(TestData.Uniform(B * S * H * D, 23), [B, S, H * D]),
        ], OpBackends.Get(backend, simulator));
    }

    public static IEnumerable<object[]> Outputs() => OpBackends.Cross([[true, false, false], [false, true, false], [false, false, true], [false, true, true]]);

    /// <summary>AttentionBackward with dq, dk, dv present or not (each starting non-zero); the output and log-sum-exp it is
    /// given come from the tested backend's own forward.</summary>
    [Theory]
    [MemberData(nameof(Outputs))]
    public void AttentionBackward_adds_only_the_requested_gradients(string backend, bool dq, bool dk, bool dv)
    {
        var dropout = new Dropout(0.2f, Seed, 5);
        float scale = 1f / MathF.Sqrt(D);
        OpTensor Rows(int seed) => OpTensor.Random(seed, 1f, B, S, H * D);
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            Rows(31), Rows(32), Rows(33), OpTensor.Indices(PaddedMask, B, S), OpTensor.Zeros(B, S, H * D), OpTensor.Zeros(B, H, S),
            Rows(34), Rows(35), Rows(36), Rows(37),
        ], (x, t) =>
        {
            x.Attention(t[0], t[1], t[2], t[3], H, scale, dropout, t[4], t[5]);
            x.AttentionBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], H, scale, dropout, dq ? t[7] : null, dk ? t[8] : null, dv ? t[9] : null);
        }, 1e-5);
    }

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross([["Attention"], ["AttentionBackward"]]);

    /// <summary>Each op rejects a logSumExp one element too long, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor rows = OpTensor.Zeros(1, 2, 4), longLse = OpTensor.Zeros(5);
        if (op == "Attention")
            Conformance.Rejects(b, [rows, rows, rows, rows, longLse], (x, t) => x.Attention(t[0], t[1], t[2], null, 2, 1f, Dropout.None, t[3], t[4]),
                "Attention: logSumExp");
        else
            Conformance.Rejects(b, [rows, rows, rows, rows, longLse, rows, rows],
                (x, t) => x.AttentionBackward(t[0], t[1], t[2], null, t[3], t[4], t[5], 2, 1f, Dropout.None, t[6], null, null), "AttentionBackward: logSumExp");
    }
}
