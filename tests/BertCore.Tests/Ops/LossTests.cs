using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The loss family (CrossEntropy, CrossEntropyBackward) on every backend: through the tape against the reference and its
/// finite differences (GradCheck's 1e-5 / 1e-4) with ignored rows and logits far from zero (exp(120) overflows fp32 unless
/// the row maximum is subtracted); every row ignored; a target out of range; the backward adding into a gradient.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class LossTests(SimulatorFixture simulator)
{
    private const int N = 6, V = 37;

    public static IEnumerable<object[]> Cases() => OpBackends.Cross([[-100, 0f], [3, 0f], [-100, 120f], [-100, -120f]]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void CrossEntropy_matches_reference_and_finite_differences(string backend, int ignoreIndex, float offset)
    {
        int[] targets = [3, 0, ignoreIndex, 36, 3, 17];
        GradCheck.Check((g, t) => g.CrossEntropy(t[0], g.Input(targets, N), ignoreIndex),
            x => ReferenceBackend.CrossEntropy(x[0], N, V, targets, ignoreIndex),
            [new OpInput(TestData.Uniform(N * V, 4, 3f).Select(v => v + offset).ToArray(), [N, V])], OpBackends.Get(backend, simulator));
    }

    /// <summary>Every row ignored: loss 0, kept count 0, and the backward adds nothing to a gradient holding values.</summary>
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void All_rows_ignored_give_zero_loss_and_no_gradient(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            OpTensor.Random(5, 3f, N, V), OpTensor.Indices(Enumerable.Repeat(-100, N).ToArray(), N), OpTensor.Of([7f], 1), OpTensor.Zeros(N),
            OpTensor.Of([7f], 1), OpTensor.Of([1f], 1), OpTensor.Random(6, 1f, N, V),
        ], (x, t) =>
        {
            x.CrossEntropy(t[0], t[1], -100, t[2], t[3], t[4]);
            x.CrossEntropyBackward(t[0], t[1], -100, t[3], t[4], t[5], t[6]);
        }, 0);

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void CrossEntropyBackward_adds_into_the_gradient(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            OpTensor.Random(7, 3f, N, V), OpTensor.Indices([3, 0, -100, 36, 3, 17], N), OpTensor.Zeros(1), OpTensor.Zeros(N), OpTensor.Zeros(1),
            OpTensor.Of([0.5f], 1), OpTensor.Random(8, 1f, N, V),
        ], (x, t) =>
        {
            x.CrossEntropy(t[0], t[1], -100, t[2], t[3], t[4]);
            x.CrossEntropyBackward(t[0], t[1], -100, t[3], t[4], t[5], t[6]);
        }, 1e-5);

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void A_target_outside_the_classes_is_raised_naming_row_and_value(string backend)
    {
        var b = OpBackends.Get(backend, simulator);
        using var logits = Conformance.Make(b, OpTensor.Zeros(3, 4));
        using var targets = Conformance.Make(b, OpTensor.Indices([1, 9, 0], 3));
        using var loss = Conformance.Make(b, OpTensor.Zeros(1));
        using var lse = Conformance.Make(b, OpTensor.Zeros(3));
        using var kept = Conformance.Make(b, OpTensor.Zeros(1));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            b.CrossEntropy(logits, targets, -100, loss, lse, kept);
            GradCheck.Download(b, loss);   // a GPU raises what a kernel recorded at the next synchronization
        });
        Assert.Contains("target 9", e.Message);
    }

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross([["CrossEntropy"], ["CrossEntropyBackward"]]);

    /// <summary>Each op rejects a logSumExp one element too long, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor[] operands = [OpTensor.Zeros(3, 4), OpTensor.Indices([1, 2, 0], 3), OpTensor.Zeros(1), OpTensor.Zeros(4), OpTensor.Zeros(1), OpTensor.Zeros(3, 4)];
        if (op == "CrossEntropy")
            Conformance.Rejects(b, operands, (x, t) => x.CrossEntropy(t[0], t[1], -100, t[2], t[3], t[4]), "CrossEntropy: logSumExp");
        else
            Conformance.Rejects(b, operands, (x, t) => x.CrossEntropyBackward(t[0], t[1], -100, t[3], t[4], t[2], t[5]), "CrossEntropyBackward: logSumExp");
    }
}
