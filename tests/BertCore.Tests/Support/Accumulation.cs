using BertCore.Tensors;

namespace BertCore.Tests.Support;

/// <summary>Checks that a backward kernel ADDS into its gradient outputs instead of overwriting them.</summary>
internal static class Accumulation
{
    /// <summary>
    /// Runs <paramref name="backward"/> once into zeroed gradient buffers and once into buffers pre-filled with
    /// random values; the second result must be the pre-fill plus the first (to fp32 rounding of the extra adds).
    /// </summary>
    public static void Check(Action<Tensor[]> backward, params int[][] gradShapes)
    {
        var fromZero = gradShapes.Select(s => Tensor.Zeros(s)).ToArray();
        var prefill = gradShapes.Select((s, i) => TestData.Uniform(checked((int)new Shape(s).Count), 500 + i, 2f)).ToArray();
        var prefilled = gradShapes.Select((s, i) => Tensor.FromArray(prefill[i], s)).ToArray();
        try
        {
            backward(fromZero);
            backward(prefilled);
            for (int i = 0; i < gradShapes.Length; i++)
            {
                var zero = fromZero[i].ToArray();
                var expected = prefill[i].Select((p, j) => (double)p + zero[j]).ToArray();
                Close.RelativeToMax(prefilled[i].ToArray(), expected, GradCheck.ForwardTolerance, $"gradient {i} added into a pre-filled buffer");
            }
        }
        finally
        {
            foreach (var t in fromZero.Concat(prefilled)) t.Dispose();
        }
    }
}
