using System.Numerics.Tensors;

namespace BertCore.Embeddings;

/// <summary>Symmetric per-row int8 quantization of stored vectors: row ≈ scale · q with q in [−127, 127].</summary>
internal static class Int8Rows
{
    /// <summary>
    /// Writes q[i] = round(row[i] / scale) (to even at .5) into <paramref name="q"/> and returns scale = max |row[i]| / 127,
    /// so that |row[i] − scale · q[i]| ≤ scale / 2. A row of zeros, or one so small that the scale underflows to 0,
    /// stores zeros with scale 0.
    /// </summary>
    public static float Quantize(ReadOnlySpan<float> row, Span<sbyte> q)
    {
        float scale = MathF.Abs(TensorPrimitives.MaxMagnitude(row)) / 127f;
        for (int i = 0; i < row.Length; i++)
            q[i] = scale == 0f ? (sbyte)0 : (sbyte)Math.Clamp(MathF.Round(row[i] / scale, MidpointRounding.ToEven), -127f, 127f);
        return scale;
    }
}
