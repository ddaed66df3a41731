using BertCore.Backends;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Ops;

/// <summary>One operand of an op under test: fp32 values or int32 values, and its shape.</summary>
internal sealed record OpTensor(float[]? Floats, int[]? Ints, int[] Shape)
{
    /// <summary>fp32 values uniform in [-scale, scale).</summary>
    public static OpTensor Random(int seed, float scale, params int[] shape) => new(TestData.Uniform(Count(shape), seed, scale), null, shape);

    /// <summary>fp32 values.</summary>
    public static OpTensor Of(float[] values, params int[] shape) => new(values, null, shape);

    /// <summary>fp32 zeros (an output or a gradient that starts at zero).</summary>
    public static OpTensor Zeros(params int[] shape) => new(new float[Count(shape)], null, shape);

    /// <summary>int32 values (indices, targets, masks).</summary>
    public static OpTensor Indices(int[] values, params int[] shape) => new(null, values, shape);

    private static int Count(int[] shape) => shape.Aggregate(1, (a, b) => a * b);
}

/// <summary>
/// Runs one op on a backend and on <see cref="ReferenceBackend"/> over copies of the same operands, and compares every
/// fp32 operand afterwards (outputs, and gradients added into), relative to each tensor's largest magnitude
/// (<see cref="Close.RelativeToMax(ReadOnlySpan{float}, ReadOnlySpan{double}, double, string, double)"/>).
/// </summary>
internal static class Conformance
{
    private static readonly ReferenceBackend s_reference = new();

    /// <summary>Runs <paramref name="op"/> on both backends and compares every fp32 operand within <paramref name="tolerance"/>.</summary>
    public static void Matches(IBackend backend, OpTensor[] operands, Action<IBackend, Tensor[]> op, double tolerance)
    {
        var expected = Run(s_reference, operands, op);
        var actual = Run(backend, operands, op);
        for (int i = 0; i < operands.Length; i++)
            if (operands[i].Floats != null)
                Close.RelativeToMax(actual[i]!, expected[i]!.ToDouble(), tolerance, $"{backend.Name}: operand {i}");
    }

    /// <summary>The fp32 operands of <paramref name="op"/> after it ran on <paramref name="backend"/> (null for int32 ones).</summary>
    public static float[]?[] Run(IBackend backend, OpTensor[] operands, Action<IBackend, Tensor[]> op)
    {
        var tensors = operands.Select(o => Make(backend, o)).ToArray();
        try
        {
            op(backend, tensors);
            return tensors.Select((t, i) => operands[i].Floats == null ? null : GradCheck.Download(backend, t)).ToArray();
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    /// <summary>
    /// Runs <paramref name="op"/> on operands one of which is malformed and requires the op's ArgumentException, naming
    /// the op and the argument (<paramref name="message"/> is a part of the message).
    /// </summary>
    public static void Rejects(IBackend backend, OpTensor[] operands, Action<IBackend, Tensor[]> op, string message)
    {
        var tensors = operands.Select(o => Make(backend, o)).ToArray();
        try
        {
            var e = Assert.ThrowsAny<ArgumentException>(() => op(backend, tensors));
            Assert.Contains(message, e.Message);
        }
        finally
        {
            foreach (var t in tensors) t.Dispose();
        }
    }

    /// <summary>A tensor of <paramref name="backend"/> (host or device) holding the operand's values.</summary>
    public static Tensor Make(IBackend backend, OpTensor operand)
    {
        var shape = new Shape(operand.Shape);
        var dtype = operand.Floats != null ? DType.F32 : DType.I32;
        var t = new Tensor(backend.Allocate(shape.Count * dtype.Size()), 0, shape, dtype, ownsStorage: true);
        if (operand.Floats != null) backend.Upload(operand.Floats, t);
        else backend.Upload(operand.Ints!, t);
        return t;
    }
}
