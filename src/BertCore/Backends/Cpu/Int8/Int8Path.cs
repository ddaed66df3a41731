using System.Runtime.Intrinsics.X86;

namespace BertCore.Backends.Cpu.Int8;

/// <summary>The instruction sequences an <see cref="Int8Kernel"/> tile can run on; all give the same int32 sums.</summary>
internal enum Int8Path
{
    /// <summary>Plain C#: any machine.</summary>
    Scalar,

    /// <summary>256-bit vpmaddubsw (u8 × s8 pairs into int16) then vpmaddwd by ones (into int32).</summary>
    Avx2,

    /// <summary>The same on 512-bit vectors (AVX-512BW).</summary>
    Avx512BW,

    /// <summary>256-bit vpdpbusd (AVX-VNNI): four u8 × s8 products added into each int32 in one instruction. .NET 10
    /// exposes no 512-bit vpdpbusd (no Avx512Vnni class), so AVX-512 VNNI machines take this one.</summary>
    AvxVnni,
}

/// <summary>Which <see cref="Int8Path"/>s this machine runs.</summary>
internal static class Int8Paths
{
    /// <summary>The paths this CPU supports, the scalar one first.</summary>
    public static IReadOnlyList<Int8Path> Supported { get; } = Enum.GetValues<Int8Path>().Where(IsSupported).ToArray();

    public static bool IsSupported(Int8Path path) => path switch
    {
        Int8Path.Scalar => true,
        Int8Path.Avx2 => Avx2.IsSupported,
        Int8Path.Avx512BW => Avx512BW.IsSupported,
        Int8Path.AvxVnni => AvxVnni.IsSupported,
        _ => false,
    };
}
