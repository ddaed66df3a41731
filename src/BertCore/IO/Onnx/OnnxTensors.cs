using System.Runtime.InteropServices;
using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>
/// Decodes ONNX <c>TensorProto</c> values (initializers and Constant node values) into arrays. The values are read
/// from <c>raw_data</c> (little-endian, as ONNX stores them) or from the typed repeated fields; tensors stored in
/// external files are refused, naming the tensor.
/// </summary>
internal static class OnnxTensors
{
    /// <summary>The dimensions of <paramref name="tensor"/> as ints.</summary>
    /// <exception cref="InvalidFileException">A dimension is negative or above int.MaxValue.</exception>
    public static int[] Shape(TensorProto tensor, string path)
    {
        var dims = new int[tensor.Dims.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            long d = tensor.Dims[i];
            if (d < 0 || d > int.MaxValue)
                throw new InvalidFileException(path, null, $"tensor '{tensor.Name}' has dimension {d}");
            dims[i] = (int)d;
        }
        return dims;
    }

    /// <summary>The values of a FLOAT tensor, in row-major order.</summary>
    /// <exception cref="InvalidFileException">The tensor is not FLOAT, is stored externally, or holds a number of
    /// values other than its shape's.</exception>
    public static float[] Floats(TensorProto tensor, string path)
    {
        RequireType(tensor, path, TensorProto.Types.DataType.Float);
        long count = RequireInline(tensor, path);
        float[] values = tensor.HasRawData
            ? MemoryMarshal.Cast<byte, float>(RawBytes(tensor, path, count, sizeof(float))).ToArray()
            : [.. tensor.FloatData];
        return RequireCount(values, count, tensor, path);
    }

    /// <summary>The values of an INT64 or INT32 tensor (shape constants), in row-major order.</summary>
    /// <exception cref="InvalidFileException">The tensor is of another type, is stored externally, or holds a
    /// number of values other than its shape's.</exception>
    public static long[] Integers(TensorProto tensor, string path)
    {
        long count = RequireInline(tensor, path);
        long[] values = (TensorProto.Types.DataType)tensor.DataType switch
        {
            TensorProto.Types.DataType.Int64 => tensor.HasRawData
                ? MemoryMarshal.Cast<byte, long>(RawBytes(tensor, path, count, sizeof(long))).ToArray()
                : [.. tensor.Int64Data],
            TensorProto.Types.DataType.Int32 => tensor.HasRawData
                ? Array.ConvertAll(MemoryMarshal.Cast<byte, int>(RawBytes(tensor, path, count, sizeof(int))).ToArray(), v => (long)v)
                : tensor.Int32Data.Select(v => (long)v).ToArray(),
            _ => throw new InvalidFileException(path, null,
                $"tensor '{tensor.Name}' has data type {TypeName(tensor.DataType)}, expected INT64 or INT32"),
        };
        return RequireCount(values, count, tensor, path);
    }

    /// <summary>Whether the tensor holds FLOAT values (weights) rather than integers or another type.</summary>
    public static bool IsFloat(TensorProto tensor) => tensor.DataType == (int)TensorProto.Types.DataType.Float;

    /// <summary>The name of an ONNX data type code, e.g. "FLOAT16".</summary>
    public static string TypeName(int dataType) =>
        Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
            ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant()
            : $"code {dataType}";

    private static void RequireType(TensorProto tensor, string path, TensorProto.Types.DataType expected)
    {
        if (tensor.DataType != (int)expected)
            throw new InvalidFileException(path, null,
                $"tensor '{tensor.Name}' has data type {TypeName(tensor.DataType)}, expected {expected.ToString().ToUpperInvariant()}");
    }

    /// <summary>Refuses external data; returns the element count of the tensor's shape.</summary>
    private static long RequireInline(TensorProto tensor, string path)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External || tensor.ExternalData.Count > 0)
            throw new InvalidFileException(path, null,
                $"tensor '{tensor.Name}' is stored in an external data file, which import does not read: " +
                "save the model with all tensors inside the .onnx file");
        return Shape(tensor, path).Aggregate(1L, (product, d) => product * d);
    }

    private static ReadOnlySpan<byte> RawBytes(TensorProto tensor, string path, long count, int elementSize)
    {
        var raw = tensor.RawData.Span;
        if (raw.Length != count * elementSize)
            throw new InvalidFileException(path, null,
                $"tensor '{tensor.Name}' has {raw.Length} bytes of raw data; its shape [{string.Join(", ", tensor.Dims)}] needs {count * elementSize}");
        return raw;
    }

    private static T[] RequireCount<T>(T[] values, long count, TensorProto tensor, string path) =>
        values.Length == count ? values
            : throw new InvalidFileException(path, null,
                $"tensor '{tensor.Name}' holds {values.Length} values; its shape [{string.Join(", ", tensor.Dims)}] needs {count}");
}
