using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Per-thread, 64-byte aligned native buffers for the packed operands of <see cref="Gemm"/>: the op(A) block,
/// allocated on the thread's first GEMM, and the op(B) panel, grown to the largest panel the thread has packed
/// (at most <see cref="Gemm.PanelFloats"/>); freed by the finalizer when the thread is gone.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    /// <summary>Packed op(A) block: MC × KC floats (and GemmPacking.APadding spare).</summary>
    public readonly float* A;

    private float* _panelB;
    private long _panelBFloats;

    private GemmScratch()
    {
        A = (float*)NativeMemory.AlignedAlloc((nuint)((Gemm.MC * Gemm.KC + GemmPacking.APadding) * sizeof(float)), 64);
    }

    public static GemmScratch ForThisThread() => t_current ??= new GemmScratch();

    /// <summary>Room for a packed op(B) panel of <paramref name="floats"/> floats (the contents are not kept when it grows).</summary>
    public float* PanelB(long floats)
    {
        if (floats > _panelBFloats)
        {
            NativeMemory.AlignedFree(_panelB);
            _panelB = null;   // a failed allocation below must not leave a freed pointer behind
            _panelBFloats = 0;
            _panelB = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
            _panelBFloats = floats;
        }
        return _panelB;
    }

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(_panelB);
    }
}
