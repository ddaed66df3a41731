using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The indexing family (GatherRows, ScatterAddRows) on every backend: through the tape against the reference and its
/// finite differences (GradCheck's 1e-5 / 1e-4), ScatterAddRows directly with repeated rows and a padding index against
/// ReferenceBackend (1e-6: a few fp32 additions per element), and out-of-range indices (raised at once on the host, at the
/// next synchronization on a GPU).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class IndexingTests(SimulatorFixture simulator)
{
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void GatherRows_matches_reference_and_finite_differences(string backend)
    {
        int[] index = [3, 0, 6, 3, 1];
        GradCheck.Check((g, t) => g.GatherRows(t[0], g.Input(index, 5)), x => ReferenceBackend.GatherRows(x[0], 7, index),
            [new OpInput(TestData.Uniform(7 * 7, 1), [7, 7])], OpBackends.Get(backend, simulator));
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void ScatterAddRows_adds_repeated_rows_and_skips_the_padding_index(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator),
            [OpTensor.Random(2, 1f, 9, 5), OpTensor.Indices([4, 0, 4, 2, 4, 0, 1, 2, 4], 9), OpTensor.Random(3, 1f, 6, 5)],
            (x, t) => x.ScatterAddRows(t[0], t[1], t[2], paddingIndex: 2), 1e-6);

    public static IEnumerable<object[]> Ops() => OpBackends.Cross([["GatherRows"], ["ScatterAddRows"]]);

    [Theory]
    [MemberData(nameof(Ops))]
    public void An_index_out_of_range_is_raised_naming_it(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        using var table = Conformance.Make(b, OpTensor.Zeros(4, 3));
        using var index = Conformance.Make(b, OpTensor.Indices([1, 9, 0], 3));
        using var rows = Conformance.Make(b, OpTensor.Zeros(3, 3));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            if (op == "GatherRows") b.GatherRows(table, index, rows);
            else b.ScatterAddRows(rows, index, table);
            GradCheck.Download(b, table);   // a GPU raises what a kernel recorded at the next synchronization
        });
        Assert.Contains($"{op}: index 9 at position 1", e.Message);
    }

    /// <summary>Each op rejects a rows tensor one row too long, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(Ops))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor[] operands = [OpTensor.Zeros(4, 3), OpTensor.Indices([1, 2], 2), OpTensor.Zeros(3, 3)];
        if (op == "GatherRows") Conformance.Rejects(b, operands, (x, t) => x.GatherRows(t[0], t[1], t[2]), "GatherRows: y");
        else Conformance.Rejects(b, operands, (x, t) => x.ScatterAddRows(t[2], t[1], t[0]), "ScatterAddRows: dy");
    }
}
