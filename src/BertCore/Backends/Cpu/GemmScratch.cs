using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Per-thread, 64-byte aligned native buffers for the packed operands of <see cref="Gemm"/>: the op(A) block,
/// allocated on the thread's first GEMM, and the panels a caller packs for all threads (a small op(A) whole, an
/// op(B) panel of at most <see cref="Gemm.PanelFloats"/>), grown to the largest so far; freed by the finalizer when
/// the thread is gone. Also the quantized activations of an <see cref="Int8.Int8Gemm"/>, grown the same way.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    /// <summary>Packed op(A) block: MC × KC floats.</summary>
    public readonly float* A;

    private float* _panelA, _panelB, _int8Rows;
    private long _panelAFloats, _panelBFloats, _int8RowsFloats;

    private GemmScratch()
    {
        A = (float*)NativeMemory.AlignedAlloc((nuint)(Gemm.MC * Gemm.KC * sizeof(float)), 64);
    }

    public static GemmScratch ForThisThread() => t_current ??= new GemmScratch();

    /// <summary>Room for all of a small op(A) packed (<paramref name="floats"/> floats; contents not kept when it grows).</summary>
    public float* PanelA(long floats) => Grow(ref _panelA, ref _panelAFloats, floats);

    /// <summary>Room for a packed op(B) panel of <paramref name="floats"/> floats (contents not kept when it grows).</summary>
    public float* PanelB(long floats) => Grow(ref _panelB, ref _panelBFloats, floats);

    /// <summary>Room for <paramref name="bytes"/> bytes of quantized activations (contents not kept when it grows).</summary>
    public byte* Int8Rows(long bytes) => (byte*)Grow(ref _int8Rows, ref _int8RowsFloats, (bytes + sizeof(float) - 1) / sizeof(float));

    private static float* Grow(ref float* buffer, ref long capacity, long floats)
    {
        if (floats > capacity)
        {
            NativeMemory.AlignedFree(buffer);
            buffer = null;   // a failed allocation below must not leave a freed pointer behind
            capacity = 0;
            buffer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            capacity = floats;
        }
        return buffer;
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(_panelA);
        NativeMemory.AlignedFree(_panelB);
        NativeMemory.AlignedFree(_int8Rows);
    }
}
