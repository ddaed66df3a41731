using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The reduction family (Sum, SumOfSquares, SumsOfSquares) on every backend: Sum and Mean through the tape against the
/// reference and finite differences (GradCheck's 1e-5 / 1e-4); the sums of squares directly against ReferenceBackend over
/// 1001 and 4096·3 + 17 elements (several GPU groups), 1e-5 of the result (fp32 partial sums of positive terms).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ReductionTests(SimulatorFixture simulator)
{
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Sum_and_mean_match_reference_and_finite_differences(string backend) =>
        GradCheck.Check((g, t) => g.Add(g.Sum(t[0]), g.Mean(t[0]), 1f, 3f),
            x => [ReferenceBackend.Sum(x[0]) + 3 * ReferenceBackend.Sum(x[0]) / x[0].Length],
            [new OpInput(TestData.Uniform(7 * 53, 5, 3f), [7, 53])], OpBackends.Get(backend, simulator));

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Sums_of_squares_match_reference(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator),
            [OpTensor.Random(7, 1f, 1001), OpTensor.Random(8, 1f, 4096 * 3 + 17), OpTensor.Zeros(1), OpTensor.Zeros(3)],
            (x, t) =>
            {
                x.SumOfSquares(t[0], t[2]);
                x.SumsOfSquares([t[0], t[1]], t[3]);
            }, 1e-5);

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross([["Sum"], ["SumOfSquares"], ["SumsOfSquares"]]);

    /// <summary>Each op rejects a result tensor of the wrong length, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor[] operands = [OpTensor.Zeros(5), OpTensor.Zeros(2), OpTensor.Zeros(1)];
        if (op == "Sum") Conformance.Rejects(b, operands, (x, t) => x.Sum(t[0], t[1]), "Sum: y");
        else if (op == "SumOfSquares") Conformance.Rejects(b, operands, (x, t) => x.SumOfSquares(t[0], t[1]), "SumOfSquares: y");
        else Conformance.Rejects(b, operands, (x, t) => x.SumsOfSquares([t[0], t[1]], t[2]), "SumsOfSquares: 2 tensors");
    }
}
