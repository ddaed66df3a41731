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
    /// <summary><see cref="GradCheck.Check"/> on <paramref name="backend"/>.</summary>
    public static void Check(GpuBackend backend, Func<Graph, Tensor[], Tensor> build, Func<double[][], double[]> reference,
        IReadOnlyList<OpInput> inputs, int seed = 12345) => GradCheck.Check(build, reference, inputs, backend, seed);

    public static float[] Download(GpuBackend backend, Tensor t) => GradCheck.Download(backend, t);

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
}
