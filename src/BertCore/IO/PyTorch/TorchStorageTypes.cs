namespace BertCore.IO.PyTorch;

/// <summary>The torch storage types a state dict may use and the element type each holds.</summary>
internal static class TorchStorageTypes
{
    private static readonly Dictionary<string, string> DTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = "F32", ["HalfStorage"] = "F16", ["BFloat16Storage"] = "BF16",
        ["LongStorage"] = "I64", ["IntStorage"] = "I32",
    };

    /// <summary>The storage types BertCore reads, for messages.</summary>
    public static string Loadable => string.Join(", ", DTypes.Keys.Select(n => "torch." + n));

    /// <summary>The element type (safetensors naming) of storage type torch.<paramref name="name"/>, or null when
    /// BertCore does not read it.</summary>
    public static string? DTypeOf(string name) => DTypes.GetValueOrDefault(name);
}
