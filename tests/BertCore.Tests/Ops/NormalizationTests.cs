using BertCore.Backends.Reference;
using BertCore.Tests.Gpu;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>
/// The normalization family (LayerNorm, AddLayerNorm, Softmax and their backwards) on every backend: forward against
/// the reference's double functions and backward against their finite differences through the tape (GradCheck's
/// tolerances: 1e-5 forward, 1e-4 gradients, relative to the largest magnitude), and the backward ops called directly
/// with some outputs absent and gradients that already hold values (they add) against ReferenceBackend (1e-5: a row of
/// at most 13 terms in fp32).
/// </summary>
[Collection(SimulatorCollection.Name)]
public class NormalizationTests(SimulatorFixture simulator)
{
    private const double Tolerance = 1e-5;

    private static float[] Values(int n, int seed, float scale = 1f, float offset = 0f) =>
        TestData.Uniform(n, seed, scale).Select(v => v + offset).ToArray();

    /// <summary>A common offset of ±1000 makes E[x²] − E[x]² lose every digit of the variance in fp32.</summary>
    public static IEnumerable<object[]> LayerNormCases() => OpBackends.Cross([[1e-12f, 1000f], [1e-5f, -1000f], [1e-12f, 0f]]);

    [Theory]
    [MemberData(nameof(LayerNormCases))]
    public void LayerNorm_matches_reference_and_finite_differences(string backend, float eps, float offset)
    {
        const int rows = 3, cols = 13;
        GradCheck.Check((g, t) => g.LayerNorm(t[0], t[1], t[2], eps), x => ReferenceBackend.LayerNorm(x[0], rows, cols, x[1], x[2], eps),
            [new(Values(rows * cols, 1, 1f, offset), [rows, cols]), new(Values(cols, 2, 0.5f, 1f), [cols]), new(Values(cols, 3), [cols])],
            OpBackends.Get(backend, simulator));
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void AddLayerNorm_matches_reference_and_finite_differences(string backend)
    {
        const int rows = 3, cols = 13;
        GradCheck.Check((g, t) => g.AddLayerNorm(t[0], t[1], t[2], t[3], 1e-12f),
            x => ReferenceBackend.LayerNorm(ReferenceBackend.Add(x[0], x[1]), rows, cols, x[2], x[3], 1e-12f),
            [
                new(Values(rows * cols, 21, 1f, 100f), [rows, cols]), new(Values(rows * cols, 22, 1f, -50f), [rows, cols]),
                new(Values(cols, 23, 0.5f, 1f), [cols]), new(Values(cols, 24), [cols]),
            ],
            OpBackends.Get(backend, simulator));
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void Softmax_matches_reference_and_finite_differences(string backend) =>
        GradCheck.Check((g, t) => g.Softmax(t[0]), x => ReferenceBackend.Softmax(x[0], 4, 37),
            [new(Values(4 * 37, 31, 30f), [4, 37])], OpBackends.Get(backend, simulator));

    /// <summary>LayerNormBackward with (dx, dgamma, dbeta) present or not, each gradient starting non-zero: mean and rstd come
    /// from the reference's forward.</summary>
    public static IEnumerable<object[]> Outputs() => OpBackends.Cross([[true, true, true], [true, false, false], [false, true, false], [false, false, true]]);

    [Theory]
    [MemberData(nameof(Outputs))]
    public void LayerNormBackward_adds_only_the_requested_gradients(string backend, bool dx, bool dgamma, bool dbeta)
    {
        const int rows = 5, cols = 13;
        var (mean, rstd) = Statistics(Values(rows * cols, 41), null, rows, cols);
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            OpTensor.Random(40, 1f, rows, cols), OpTensor.Of(Values(rows * cols, 41), rows, cols), OpTensor.Of(Values(cols, 42, 0.5f, 1f), cols),
            OpTensor.Of(mean, rows), OpTensor.Of(rstd, rows),
            OpTensor.Random(43, 1f, rows, cols), OpTensor.Random(44, 1f, cols), OpTensor.Random(45, 1f, cols),
        ], (x, t) => x.LayerNormBackward(t[0], t[1], t[2], t[3], t[4], dx ? t[5] : null, dgamma ? t[6] : null, dbeta ? t[7] : null), Tolerance);
    }

    [Theory]
    [MemberData(nameof(Outputs))]
    public void AddLayerNormBackward_adds_only_the_requested_gradients(string backend, bool dx, bool dgamma, bool dbeta)
    {
        const int rows = 5, cols = 13;
        float[] x0 = Values(rows * cols, 51), r0 = Values(rows * cols, 52);
        var (mean, rstd) = Statistics(x0, r0, rows, cols);
        Conformance.Matches(OpBackends.Get(backend, simulator),
        [
            OpTensor.Random(50, 1f, rows, cols), OpTensor.Of(x0, rows, cols), OpTensor.Of(r0, rows, cols), OpTensor.Of(Values(cols, 53, 0.5f, 1f), cols),
            OpTensor.Of(mean, rows), OpTensor.Of(rstd, rows),
            OpTensor.Random(54, 1f, rows, cols), OpTensor.Random(55, 1f, rows, cols), OpTensor.Random(56, 1f, cols), OpTensor.Random(57, 1f, cols),
        ], (b, t) => b.AddLayerNormBackward(t[0], t[1], t[2], t[3], t[4], t[5], dx ? t[6] : null, dx ? t[7] : null, dgamma ? t[8] : null,
            dbeta ? t[9] : null), Tolerance);
    }

    [Theory]
    [MemberData(nameof(OpBackends.All), MemberType = typeof(OpBackends))]
    public void SoftmaxBackward_adds_into_the_gradient(string backend)
    {
        var y = ReferenceBackend.Softmax(Values(3 * 29, 61, 3f).ToDouble(), 3, 29).Select(v => (float)v).ToArray();
        Conformance.Matches(OpBackends.Get(backend, simulator), [OpTensor.Of(y, 3, 29), OpTensor.Random(62, 1f, 3, 29), OpTensor.Random(63, 1f, 3, 29)],
            (x, t) => x.SoftmaxBackward(t[0], t[1], t[2]), Tolerance);
    }

    public static IEnumerable<object[]> BadArguments() => OpBackends.Cross(
        [["LayerNorm"], ["AddLayerNorm"], ["LayerNormBackward"], ["AddLayerNormBackward"], ["Softmax"], ["SoftmaxBackward"]]);

    /// <summary>Each op of the family rejects a per-column tensor one element too long (or a too-long output), naming the op and the
    /// argument. Too long, never too short: an op whose check were missing reads nothing out of bounds.</summary>
    [Theory]
    [MemberData(nameof(BadArguments))]
    public void Bad_arguments_are_rejected(string backend, string op)
    {
        var b = OpBackends.Get(backend, simulator);
        OpTensor x = OpTensor.Zeros(3, 4), row = OpTensor.Zeros(4), longRow = OpTensor.Zeros(5), stat = OpTensor.Zeros(3);
        switch (op)
        {
            case "LayerNorm":
                Conformance.Rejects(b, [x, longRow, row, x, stat, stat], (k, t) => k.LayerNorm(t[0], t[1], t[2], 1e-5f, t[3], t[4], t[5]), "LayerNorm: gamma");
                break;
            case "AddLayerNorm":
                Conformance.Rejects(b, [x, x, longRow, row, x, stat, stat], (k, t) => k.AddLayerNorm(t[0], t[1], t[2], t[3], 1e-5f, t[4], t[5], t[6]),
                    "AddLayerNorm: gamma");
                break;
            case "LayerNormBackward":
                Conformance.Rejects(b, [x, x, longRow, stat, stat, x], (k, t) => k.LayerNormBackward(t[0], t[1], t[2], t[3], t[4], t[5], null, null),
                    "LayerNormBackward: gamma");
                break;
            case "AddLayerNormBackward":
                Conformance.Rejects(b, [x, x, x, longRow, stat, stat, x],
                    (k, t) => k.AddLayerNormBackward(t[0], t[1], t[2], t[3], t[4], t[5], t[6], null, null, null), "AddLayerNormBackward: gamma");
                break;
            case "Softmax":
                Conformance.Rejects(b, [x, OpTensor.Zeros(3, 5)], (k, t) => k.Softmax(t[0], t[1]), "Softmax: y");
                break;
            default:
                Conformance.Rejects(b, [x, x, OpTensor.Zeros(3, 5)], (k, t) => k.SoftmaxBackward(t[0], t[1], t[2]), "SoftmaxBackward: dx");
                break;
        }
    }

    /// <summary>Each row's mean and 1/sqrt(var + 1e-12) of x (+ residual) [rows, cols], in fp32.</summary>
    private static (float[] Mean, float[] Rstd) Statistics(float[] x, float[]? residual, int rows, int cols)
    {
        var input = residual == null ? x.ToDouble() : ReferenceBackend.Add(x.ToDouble(), residual.ToDouble());
        var mean = new float[rows];
        var rstd = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            var row = input.Skip(r * cols).Take(cols).ToArray();
            double mu = row.Average();
            mean[r] = (float)mu;
            rstd[r] = (float)(1 / Math.Sqrt(row.Sum(v => (v - mu) * (v - mu)) / cols + 1e-12));
        }
        return (mean, rstd);
    }
}
