using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace BertCore.IO;

/// <summary>
/// Converts stored elements (little-endian, possibly unaligned) into BertCore's element types, straight from one
/// native buffer to another. Work is done in chunks so that no span exceeds int.MaxValue elements.
/// </summary>
internal static unsafe class ElementDecoding
{
    private const int Chunk = 1 << 20;

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
