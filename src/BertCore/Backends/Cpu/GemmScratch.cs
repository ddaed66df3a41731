using System.Runtime.InteropServices;

namespace BertCore.Backends.Cpu;

/// <summary>
/// Per-thread, 64-byte aligned native buffers for the packed panels of <see cref="Gemm"/>: allocated once per
/// thread on its first GEMM, freed by the finalizer when the thread is gone.
/// </summary>
internal sealed unsafe class GemmScratch
{
    [ThreadStatic] private static GemmScratch? t_current;

    /// <summary>Packed op(A) block: MC × KC floats (and GemmPacking.APadding spare).</summary>
    public readonly float* A;

    /// <summary>Packed op(B) panel: KC × NC floats.</summary>
    public readonly float* B;

    private GemmScratch()
    {
        A = (float*)NativeMemory.AlignedAlloc((nuint)((Gemm.MC * Gemm.KC + GemmPacking.APadding) * sizeof(float)), 64);
        B = (float*)NativeMemory.AlignedAlloc((nuint)(Gemm.KC * Gemm.NC * sizeof(float)), 64);
    }

    public static GemmScratch ForThisThread() => t_current ??= new GemmScratch();

    ~GemmScratch()
    {
        NativeMemory.AlignedFree(A);
        NativeMemory.AlignedFree(B);
    }
}
