using BertCore.Tensors;

namespace BertCore.IO;

/// <summary>The element types of the safetensors format: their sizes and how BertCore maps them.</summary>
internal static class SafeTensorsDTypes
{
    /// <summary>Bytes per element of every dtype the format defines in whole bytes.</summary>
    private static readonly Dictionary<string, int> Sizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1, ["F8_E8M0"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["F64"] = 8, ["I64"] = 8, ["U64"] = 8, ["C64"] = 8,
    };

    /// <summary>The dtypes <see cref="SafeTensorsFile.Read"/> converts, for messages.</summary>
    public const string Loadable = "F32, F16, BF16 (read as F32), I32, I64 (read as I32)";

    public static bool TryGetSize(string dtype, out int size) => Sizes.TryGetValue(dtype, out size);

    /// <summary>The BertCore tensor type a stored dtype loads into, or null when BertCore cannot load it.</summary>
    public static DType? LoadsAs(string dtype) => dtype switch
    {
        "F32" or "F16" or "BF16" => DType.F32,
        "I32" or "I64" => DType.I32,
        _ => null,
    };

    /// <summary>The name the format uses for a BertCore tensor type.</summary>
    public static string NameOf(DType dtype) => dtype switch
    {
        DType.F32 => "F32",
        DType.I32 => "I32",
        _ => throw new NotSupportedException($"safetensors has no mapping for {dtype}"),
    };

    /// <summary>
    /// Relative position in the reference implementation's Dtype enum, which lists types in increasing alignment
    /// (BOOL, U8, I8, ..., I32, U32, F32, ...); files order tensors by this rank descending, then by name. Only the
    /// types the writer emits need a rank.
    /// </summary>
    public static int WriteRank(string dtype) => dtype switch
    {
        "I8" => 0,
        "I32" => 1,
        "F32" => 2,
        _ => throw new NotSupportedException($"BertCore does not write safetensors of dtype {dtype}"),
    };
}
