using BertCore.Autograd;
using BertCore.Backends.Gpu;
using BertCore.Tensors;
using BertCore.Tests.Support;

namespace BertCore.Tests.Gpu;

/// <summary>
/// <see cref="GradCheck"/> for the GPU backend: the inputs are copied to the device, the op runs through a
/// <see cref="Graph"/> on the backend, and the downloaded output and input gradients are checked against the
/// double-precision reference and its central finite differences, with GradCheck's tolerances (relative to the
/// largest magnitude): the device kernels are fp32 like the CPU's, so the same error budget applies.
/// </summary>
internal static class GpuGradCheck
{
    private const double Step = 1e-6;

    public static void Check(GpuBackend backend, Func<Graph, Tensor[], Tensor> build, Func<double[][], double[]> reference,
        IReadOnlyList<OpInput> inputs, int seed = 12345)
    {
        using var graph = new Graph(backend);
        var tensors = new Tensor[inputs.Count];
        try
        {
            for (int i = 0; i < inputs.Count; i++)
            {
                tensors[i] = backend.Empty(new Shape(inputs[i].Shape));
                backend.Upload(inputs[i].Values, tensors[i]);
                if (inputs[i].Differentiable)
                {
                    tensors[i].RequiresGrad = true;
                    tensors[i].Grad = backend.Empty(new Shape(inputs[i].Shape));
                    backend.Zero(tensors[i].Grad!);
                }
            }

            var output = build(graph, tensors);
            var doubles = inputs.Select(x => x.Values.ToDouble()).ToArray();
            var expected = reference(doubles);
            Close.RelativeToMax(Download(backend, output), expected, GradCheck.ForwardTolerance, "forward");

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
                Close.RelativeToMax(Download(backend, tensors[i].Grad!), numeric, GradCheck.GradientTolerance, $"gradient of input {i}");
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

    public static float[] Download(GpuBackend backend, Tensor t)
    {
        var host = new float[t.Count];
        backend.Download(t, host);
        return host;
    }

    /// <summary>A device copy of host values.</summary>
    public static Tensor Device(GpuBackend backend, float[] values, params int[] dims)
    {
        var t = backend.Empty(new Shape(dims));
        backend.Upload(values, t);
        return t;
    }

    /// <summary>A device copy of host int32 values.</summary>
    public static Tensor Device(GpuBackend backend, int[] values, params int[] dims)
    {
        var t = backend.Empty(new Shape(dims), DType.I32);
        backend.Upload(values, t);
        return t;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
