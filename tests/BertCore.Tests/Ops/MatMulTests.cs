using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The MatMul family (<see cref="BertCore.Backends.IBackend.MatMul"/>, <see cref="BertCore.Backends.IBackend.SumRowsInto"/>,
/// and through the tape Graph.MatMul and Graph.Linear) on every backend against the reference. Shapes are odd (no
/// multiple of 4, 8 or 16) and small enough for the GPU simulator. Tolerance 1e-5 of the largest entry: fp32 sums of
/// at most 37 products of values in [-1, 1] round to ~1e-7 of it.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class MatMulTests(SimulatorFixture simulator)
{
    private const double Tolerance = 1e-5;

    /// <summary>(batch, shared b, transA, transB, bias, beta, gelu).</summary>
    public static IEnumerable<object[]> Cases() => OpBackends.Cross(
    [
        [1, false, false, false, false, 0f, false],
        [1, false, true, false, true, 0f, false],
        [1, false, false, true, true, 1f, true],
        [1, false, true, true, false, -0.5f, false],
        [3, false, false, false, false, 0f, false],
        [3, false, true, true, true, 1f, false],
        [3, true, false, true, true, 0f, true],
        [3, true, true, false, false, 0.5f, false],
    ]);

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatMul_matches_reference(string backend, int batch, bool sharedB, bool transA, bool transB, bool bias, float beta, bool gelu)
    {
        const int m = 7, n = 13, k = 37;
        int[] a = batch == 1 ? [transA ? k : m, transA ? m : k] : [batch, transA ? k : m, transA ? m : k];
        int[] bDims = transB ? [n, k] : [k, n];
        int[] b = sharedB || batch == 1 ? bDims : [batch, .. bDims];
        int[] c = batch == 1 ? [m, n] : [batch, m, n];
        OpTensor[] operands =
        [
            OpTensor.Random(1, 1f, a), OpTensor.Random(2, 1f, b), OpTensor.Random(3, 1f, c),
            bias ? OpTensor.Random(4, 1f, n) : OpTensor.Zeros(n), OpTensor.Zeros(c),
        ];
        Conformance.Matches(OpBackends.Get(backend, simulator), operands,
            (x, t) => x.MatMul(t[0], transA, t[1], transB, t[2], bias ? t[3] : null, beta, gelu ? t[4] : null), Tolerance);
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void SumRowsInto_adds_column_sums(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator), [OpTensor.Random(5, 1f, 3, 11, 37), OpTensor.Random(6, 1f, 37)],
            (x, t) => x.SumRowsInto(t[0], t[1]), Tolerance);

    /// <summary>Graph.MatMul's backward (three more MatMuls with transposes and beta = 1) against finite differences.</summary>
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Graph_MatMul_gradients(string backend) =>
        GradCheck.Check((g, t) => g.MatMul(t[0], t[1], transA: true, transB: false),
            x => ReferenceBackend.MatMul(x[0], true, x[1], false, 2, 5, 7, 3),
            [new(TestData.Uniform(2 * 3 * 5, 7), [2, 3, 5]), new(TestData.Uniform(2 * 3 * 7, 8), [2, 3, 7])],
            OpBackends.Get(backend, simulator));

    /// <summary>Graph.Linear with bias and the fused GELU (its backward: GeluBackward, two MatMuls, SumRowsInto).</summary>
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Graph_Linear_gradients(string backend) =>
        GradCheck.Check((g, t) => g.Linear(t[0], t[1], t[2], gelu: true),
            x => ReferenceBackend.MatMul(x[0], false, x[1], true, 1, 6, 5, 9, bias: x[2], gelu: true),
            [new(TestData.Uniform(6 * 9, 9), [2, 3, 9]), new(TestData.Uniform(5 * 9, 10), [5, 9]), new(TestData.Uniform(5, 11), [5])],
            OpBackends.Get(backend, simulator));

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross([["MatMul"], ["SumRowsInto"]]);

    /// <summary>Each op of the family rejects a malformed argument, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        if (op == "MatMul")   // inner dimensions 5 and 6
            Conformance.Rejects(b, [OpTensor.Zeros(3, 5), OpTensor.Zeros(6, 4), OpTensor.Zeros(3, 4)],
                (x, t) => x.MatMul(t[0], false, t[1], false, t[2]), "MatMul: a [3, 5] · b [6, 4] → c [3, 4]: inner dimensions differ");
        else
            Conformance.Rejects(b, [OpTensor.Zeros(3, 4), OpTensor.Zeros(5)], (x, t) => x.SumRowsInto(t[0], t[1]), "SumRowsInto: dbias");
    }
}
