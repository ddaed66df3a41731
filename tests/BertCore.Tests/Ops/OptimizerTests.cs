using BertCore.Backends;
using BertCore.Tests.Gpu;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The optimizer family (ClipScale, AdamW and its many-tensor form) on every backend against ReferenceBackend: three AdamW
/// steps with weight decay and a gradient scale, the clip factor read on the device, a non-finite norm or loss skipping the
/// update. Tolerance 1e-5 of the largest value: a few fp32 operations per element and step.
/// </summary>
[Collection(SimulatorCollection.Name)]
public class OptimizerTests(SimulatorFixture simulator)
{
    private static AdamWStep Step(int t) => new(1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, t, 0.5f);

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Three_AdamW_steps_match_reference(string backend) =>
        Conformance.Matches(OpBackends.Get(backend, simulator),
            [OpTensor.Random(1, 1f, 301), OpTensor.Random(2, 1f, 301), OpTensor.Zeros(301), OpTensor.Zeros(301)], (x, t) =>
            {
                for (int step = 1; step <= 3; step++) x.AdamW(t[0], t[1], t[2], t[3], Step(step));
            }, 1e-5);

    /// <summary>Sums of squares [300] (more than the GPU kernel's 256 threads) → norm and factor, then the many-tensor AdamW over
    /// two parameters in two groups scaled by the factor where it lives; a NaN among the sums, or a NaN loss, gives a NaN factor
    /// and leaves everything unchanged.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void ClipScale_then_AdamW_with_the_factor_on_the_device_match_reference(string backend, float poison, float loss)
    {
        var squares = OpTensor.Random(3, 1f, 300);
        squares.Floats![7] = squares.Floats[7] * squares.Floats[7] + poison;
        for (int i = 0; i < 300; i++) squares.Floats[i] = Math.Abs(squares.Floats[i]);
        AdamWStep[] groups = [Step(1), Step(1) with { Lr = 3e-2f, WeightDecay = 0f }];
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            squares, OpTensor.Zeros(2), OpTensor.Of([1f, loss], 2),
            OpTensor.Random(4, 1f, 37), OpTensor.Random(5, 1f, 37), OpTensor.Zeros(37), OpTensor.Zeros(37),
            OpTensor.Random(6, 1f, 5, 7), OpTensor.Random(7, 1f, 5, 7), OpTensor.Zeros(5, 7), OpTensor.Zeros(5, 7),
        ], (x, t) =>
        {
            x.ClipScale(t[0], 1.0, t[1], t[2]);
            x.AdamW([new AdamWTensors(t[3], t[4], t[5], t[6], 0), new AdamWTensors(t[7], t[8], t[9], t[10], 1)], groups, t[1].SliceRows(1, 1));
        }, 1e-5);
    }

    public static IEnumerable<object[]> Cases() => OpBackends.Cross([[0.5f, 2f], [float.NaN, 2f], [0.5f, float.NaN]]);

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross([["ClipScale"], ["AdamW"], ["AdamW (many tensors)"]]);

    /// <summary>Each op rejects a malformed argument, naming the op and the argument.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor[] operands = [OpTensor.Zeros(5), OpTensor.Zeros(5), OpTensor.Zeros(5), OpTensor.Zeros(6), OpTensor.Zeros(3)];
        if (op == "ClipScale") Conformance.Rejects(b, operands, (x, t) => x.ClipScale(t[0], 1.0, t[4]), "ClipScale: normAndScale");
        else if (op == "AdamW") Conformance.Rejects(b, operands, (x, t) => x.AdamW(t[0], t[1], t[2], t[3], Step(1)), "AdamW: v");
        else Conformance.Rejects(b, operands, (x, t) => x.AdamW([new AdamWTensors(t[0], t[1], t[2], t[3], 0)], [Step(1)]), "AdamW: v");
    }
}
