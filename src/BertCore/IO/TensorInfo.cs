namespace BertCore.IO;

/// <summary>What a safetensors header says about one tensor.</summary>
/// <param name="DType">The stored element type as the format names it ("F32", "BF16", "I64", ...).</param>
/// <param name="Shape">The dimensions, row-major; empty for a scalar.</param>
public sealed record TensorInfo(string DType, int[] Shape);
