namespace BertCore.Tensors;

/// <summary>Element type of a tensor. Values are fp32; token ids, labels and masks are int32.</summary>
public enum DType
{
    F32,
    I32,
}

public static class DTypeExtensions
{
    public static int Size(this DType dtype) => 4;
}
