using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The element-wise family (Gelu, Tanh, Add, Mul, Scale, Dropout, their backwards, and the gradient helpers AddInto,
/// MulAddInto, AddScalarInto) on every backend: through the tape against the reference's double functions and their
/// finite differences (GradCheck's 1e-5 / 1e-4), and the helpers directly against ReferenceBackend (1e-6: one or two
/// fp32 roundings per element).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class ElementwiseTests(SimulatorFixture simulator)
{
    private static OpInput In(int seed, params int[] shape) => new(TestData.Uniform(shape.Aggregate(1, (a, b) => a * b), seed, 3f), shape);

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Gelu_matches_reference_and_finite_differences(string backend) =>
        GradCheck.Check((g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [In(1, 3, 5, 7)], OpBackends.Get(backend, simulator));

    /// <summary>Far tails, where a careless erf loses all relative accuracy.</summary>
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Gelu_is_accurate_in_both_tails(string backend)
    {
        float[] xs = [-9f, -7.5f, -5f, -3f, -1e-3f, 0f, 1e-3f, 3f, 5f, 9f, 40f];
        GradCheck.Check((g, t) => g.Gelu(t[0]), x => ReferenceBackend.Gelu(x[0]), [new OpInput(xs, [xs.Length])], OpBackends.Get(backend, simulator));
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Tanh_matches_reference_and_finite_differences(string backend) =>
        GradCheck.Check((g, t) => g.Tanh(t[0]), x => ReferenceBackend.Tanh(x[0]), [In(3, 3, 5, 7)], OpBackends.Get(backend, simulator));

    /// <summary>Add with coefficients, Mul of a tensor with itself (both gradients collected) and Scale, in one graph.</summary>
    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Add_mul_and_scale_match_reference_and_finite_differences(string backend) =>
        GradCheck.Check((g, t) => g.Scale(g.Mul(g.Add(t[0], t[1], 0.5f, -2f), t[0]), 1.7f),
            x => ReferenceBackend.Scale(ReferenceBackend.Mul(ReferenceBackend.Add(x[0], x[1], 0.5, -2), x[0]), 1.7),
            [In(4, 3, 5, 7), In(5, 3, 5, 7)], OpBackends.Get(backend, simulator));

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Dropout_matches_reference_mask_and_finite_differences(string backend)
    {
        var drop = new Dropout(0.3f, 77, 5);
        GradCheck.Check((g, t) =>
        {
            g.Training = true;
            g.Seed = drop.Seed;
            g.RngOffset = drop.Offset;
            return g.Dropout(t[0], drop.P);
        }, x => ReferenceBackend.Dropout(x[0], drop), [In(6, 11, 29)], OpBackends.Get(backend, simulator));
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Gradient_helpers_add_into_their_outputs(string backend)
    {
        OpTensor[] operands = [OpTensor.Random(7, 1f, 5, 7), OpTensor.Random(8, 1f, 5, 7), OpTensor.Random(9, 1f, 5, 7), OpTensor.Random(10, 1f, 1)];
        Conformance.Matches(OpBackends.Get(backend, simulator), operands, (x, t) =>
        {
            x.AddInto(t[0], t[2], -0.75f);
            x.MulAddInto(t[0], t[1], t[2]);
            x.AddScalarInto(t[3], t[2], 0.25f);
        }, 1e-6);
    }

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross(
        [["Gelu"], ["GeluBackward"], ["Tanh"], ["TanhBackward"], ["Add"], ["Mul"], ["Scale"], ["AddInto"], ["MulAddInto"], ["AddScalarInto"],
         ["Dropout"], ["DropoutBackward"]]);

    /// <summary>Each op rejects an output (or second operand) one element longer than its first operand, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor x = OpTensor.Zeros(6), big = OpTensor.Zeros(7);
        var drop = new Dropout(0.5f, 1, 0);
        Action<IBackend, BertCore.Tensors.Tensor[]> run = op switch
        {
            "Gelu" => (k, t) => k.Gelu(t[0], t[1]),
            "GeluBackward" => (k, t) => k.GeluBackward(t[0], t[0], t[1]),
            "Tanh" => (k, t) => k.Tanh(t[0], t[1]),
            "TanhBackward" => (k, t) => k.TanhBackward(t[0], t[0], t[1]),
            "Add" => (k, t) => k.Add(t[0], t[0], t[1]),
            "Mul" => (k, t) => k.Mul(t[0], t[0], t[1]),
            "Scale" => (k, t) => k.Scale(t[0], 2f, t[1]),
            "AddInto" => (k, t) => k.AddInto(t[0], t[1]),
            "MulAddInto" => (k, t) => k.MulAddInto(t[0], t[0], t[1]),
            "AddScalarInto" => (k, t) => k.AddScalarInto(t[1], t[0], 1f),
            "Dropout" => (k, t) => k.Dropout(t[0], drop, t[1]),
            _ => (k, t) => k.DropoutBackward(t[0], drop, t[1]),
        };
        string argument = op switch
        {
            "Gelu" or "Tanh" or "Add" or "Mul" or "Scale" or "Dropout" => "y",
            "AddScalarInto" => "dScalar",
            _ => "dx",
        };
        Conformance.Rejects(b, [x, big], run, $"{op}: {argument}");
    }
}
