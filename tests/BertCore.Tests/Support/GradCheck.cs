using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Tensors;

namespace BertCore.Tests.Support;

/// <summary>A float input of an op under test: its values, shape, and whether its gradient is checked.</summary>
internal sealed record OpInput(float[] Values, int[] Shape, bool Differentiable = true);

/// <summary>
/// Checks one op of a backend (CPU by default; the GPU backend's device tensors too) against its double-precision reference: the forward output
/// within <see cref="ForwardTolerance"/> of the reference, and the gradient of L = Σ R ⊙ output (R random)
/// for every differentiable input within <see cref="GradientTolerance"/> of central finite differences of the
/// reference. Both tolerances are relative to the tensor's largest magnitude (see <see cref="Close"/>).
/// </summary>
internal static class GradCheck
{
    /// <summary>fp32 forward of a few hundred terms: rounding stays near 1e-6 of the largest value.</summary>
    public const double ForwardTolerance = 1e-5;

    /// <summary>fp32 backward accumulates more terms than forward; central differences on a double reference
    /// with step 1e-6 are accurate to ~1e-9, so the error budget is the fp32 side's.</summary>
    public const double GradientTolerance = 1e-4;

    private const double Step = 1e-6;

    /// <param name="build">Runs the op on the graph from tensors holding the inputs (in order).</param>
    /// <param name="reference">The same op on double copies of the inputs.</param>
    public static void Check(
        Func<Graph, Tensor[], Tensor> build,
        Func<double[][], double[]> reference,
        IReadOnlyList<OpInput> inputs,
        IBackend? backend = null,
        int seed = 12345)
    {
        backend ??= new CpuBackend();
        using var graph = new Graph(backend);
        var tensors = new Tensor[inputs.Count];
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                tensors[i] = Empty(backend, inputs[i].Shape);
                backend.Upload(inputs[i].Values, tensors[i]);
                if (inputs[i].Differentiable)
                {
                    tensors[i].RequiresGrad = true;
                    tensors[i].Grad = Empty(backend, inputs[i].Shape);
                    backend.Zero(tensors[i].Grad!);
                }
            }

            var output = build(graph, tensors);
            var doubles = inputs.Select(x => x.Values.ToDouble()).ToArray();
            var expected = reference(doubles);
            Close.RelativeToMax(Download(backend, output), expected, ForwardTolerance, "forward");

            var weights = TestData.Uniform(expected.Length, seed).ToDouble();
            var r = graph.Input(Array.ConvertAll(weights, w => (float)w), output.Shape.ToArray());
            graph.Backward(graph.Sum(graph.Mul(output, r)));

            for (int i = 0; i < inputs.Count; i++)
            {
                if (!inputs[i].Differentiable) continue;
                var numeric = new double[doubles[i].Length];
                for (int j = 0; j < numeric.Length; j++)
                {
                    double keep = doubles[i][j];
                    doubles[i][j] = keep + Step;
                    double plus = Dot(weights, reference(doubles));
                    doubles[i][j] = keep - Step;
                    double minus = Dot(weights, reference(doubles));
                    doubles[i][j] = keep;
                    numeric[j] = (plus - minus) / (2 * Step);
                }
                Close.RelativeToMax(Download(backend, tensors[i].Grad!), numeric, GradientTolerance, $"gradient of input {i}");
            }
        }
        finally
        {
            foreach (var t in tensors)
            {
                t?.Grad?.Dispose();
                t?.Dispose();
            }
        }
    }

    /// <summary>A new fp32 tensor in <paramref name="backend"/>'s memory (host or device).</summary>
    private static Tensor Empty(IBackend backend, int[] dims)
    {
        var shape = new Shape(dims);
        return new Tensor(backend.Allocate(shape.Count * sizeof(float)), 0, shape, DType.F32, ownsStorage: true);
    }

    /// <summary>The values of an fp32 tensor of <paramref name="backend"/> (waits for queued device work).</summary>
    public static float[] Download(IBackend backend, Tensor t)
    {
        var host = new float[t.Count];
        backend.Download(t, host);
        return host;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
