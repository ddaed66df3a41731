namespace BertCore.Embeddings;

/// <summary>How a <see cref="VectorIndex"/> stores its vectors.</summary>
public enum VectorPrecision
{
    /// <summary>fp32 as given: 4 bytes per value; scores are exact dot products in fp32.</summary>
    Float32,

    /// <summary>
    /// int8 with one fp32 scale per row (symmetric: row ≈ scale · q, q in [−127, 127], scale = max |value| / 127):
    /// 1 byte per value, a quarter of the memory and of the bytes a search reads. The query stays fp32 (see
    /// <see cref="VectorIndex"/>), so only the stored vectors are approximated.
    /// </summary>
    Int8,
}

/// <summary>The names of <see cref="VectorPrecision"/> in index.json and on the command line.</summary>
public static class VectorPrecisions
{
    /// <summary>"fp32" or "int8".</summary>
    public static string Name(this VectorPrecision precision) => precision == VectorPrecision.Int8 ? "int8" : "fp32";

    /// <summary>The precision named <paramref name="name"/> ("fp32" or "int8"), or null for another name.</summary>
    public static VectorPrecision? Parse(string name) => name switch
    {
        "fp32" => VectorPrecision.Float32,
        "int8" => VectorPrecision.Int8,
        _ => null,
    };
}
