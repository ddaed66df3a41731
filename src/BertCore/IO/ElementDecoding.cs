using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Tensor = BertCore.Tensors.Tensor;
using DType = BertCore.Tensors.DType;

namespace BertCore.IO;

/// <summary>
/// Converts stored elements (little-endian, possibly unaligned) into BertCore's element types, straight from one
/// native buffer to another. Work is done in chunks so that no span exceeds int.MaxValue elements.
/// </summary>
internal static unsafe class ElementDecoding
{
    private const int Chunk = 1 << 20;

    /// <summary>
    /// Converts <paramref name="count"/> elements stored as <paramref name="dtype"/> (a safetensors dtype name: F32,
    /// F16 and BF16 become fp32; I32 and I64 become int32) from <paramref name="source"/> into
    /// <paramref name="destination"/>, which holds 4-byte elements. Returns the index of the first I64 element
    /// outside the int32 range (the elements before it are written), or -1.
    /// </summary>
    /// <exception cref="NotSupportedException"><paramref name="dtype"/> is none of those five.</exception>
    public static long Decode(string dtype, byte* source, byte* destination, long count, out long badValue)
    {
        badValue = 0;
        switch (dtype)
        {
            case "F32" or "I32":
                Buffer.MemoryCopy(source, destination, 4 * count, 4 * count);
                return -1;
            case "F16":
                HalfToSingle(source, (float*)destination, count);
                return -1;
            case "BF16":
                BFloat16ToSingle(source, (float*)destination, count);
                return -1;
            case "I64":
                return NarrowInt64(source, (int*)destination, count, out badValue);
            default:
                throw new NotSupportedException($"no conversion from {dtype}");
        }
    }

    /// <summary>The first byte of a host tensor's elements (F32 or I32), where <see cref="Decode"/> writes.</summary>
    public static byte* Target(Tensor destination) =>
        destination.DType == DType.F32 ? (byte*)destination.Data : (byte*)destination.IntData;

    /// <summary>IEEE half precision to fp32; exact (every half value is a float).</summary>
    public static void HalfToSingle(byte* source, float* destination, long count)
    {
        for (long i = 0; i < count; i += Chunk)
        {
            int n = (int)Math.Min(Chunk, count - i);
            TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>(source + 2 * i, n), new Span<float>(destination + i, n));
        }
    }

    /// <summary>bfloat16 to fp32; exact: a bfloat16 is the upper half of an fp32's bits.</summary>
    public static void BFloat16ToSingle(byte* source, float* destination, long count)
    {
        uint* bits = (uint*)destination;
        for (long i = 0; i < count; i++)
            bits[i] = (uint)Unsafe.ReadUnaligned<ushort>(source + 2 * i) << 16;
    }

    /// <summary>
    /// int64 to int32. Returns the index of the first element outside the int32 range (the elements before it
    /// are written), or -1 when every element fits.
    /// </summary>
    public static long NarrowInt64(byte* source, int* destination, long count, out long badValue)
    {
        for (long i = 0; i < count; i++)
        {
            long v = Unsafe.ReadUnaligned<long>(source + 8 * i);
            if (v < int.MinValue || v > int.MaxValue)
            {
                badValue = v;
                return i;
            }
            destination[i] = (int)v;
        }
        badValue = 0;
        return -1;
    }
}
