using System.Runtime.CompilerServices;

namespace BertCore.Kernels;

/// <summary>
/// A thread's 8×8 block of c in registers, as four 4×4 quadrants: rows r0 + i (top) and r0 + 16 + i (bottom), columns
/// c0 + j (left) and c0 + 32 + j (right), i, j in 0..3 (the spacing is the caller's; see <see cref="MatMulLargeTileKernels"/>). Field Q{quadrant}{i}{j}; quadrants 0 top-left, 1 top-right,
/// 2 bottom-left, 3 bottom-right. Plain fields (no arrays) so that ILGPU keeps all 64 in registers.
/// </summary>
public struct Block8x8
{
    public float Q000, Q001, Q002, Q003, Q010, Q011, Q012, Q013, Q020, Q021, Q022, Q023, Q030, Q031, Q032, Q033;
    public float Q100, Q101, Q102, Q103, Q110, Q111, Q112, Q113, Q120, Q121, Q122, Q123, Q130, Q131, Q132, Q133;
    public float Q200, Q201, Q202, Q203, Q210, Q211, Q212, Q213, Q220, Q221, Q222, Q223, Q230, Q231, Q232, Q233;
    public float Q300, Q301, Q302, Q303, Q310, Q311, Q312, Q313, Q320, Q321, Q322, Q323, Q330, Q331, Q332, Q333;

    /// <summary>The rank-1 update c += a·bᵀ of one k: a0 the top rows' a, a1 the bottom rows'; b0 the left columns' b, b1 the right.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add(Float4 a0, Float4 a1, Float4 b0, Float4 b1)
    {
        Q000 += a0.X * b0.X; Q001 += a0.X * b0.Y; Q002 += a0.X * b0.Z; Q003 += a0.X * b0.W;
        Q010 += a0.Y * b0.X; Q011 += a0.Y * b0.Y; Q012 += a0.Y * b0.Z; Q013 += a0.Y * b0.W;
        Q020 += a0.Z * b0.X; Q021 += a0.Z * b0.Y; Q022 += a0.Z * b0.Z; Q023 += a0.Z * b0.W;
        Q030 += a0.W * b0.X; Q031 += a0.W * b0.Y; Q032 += a0.W * b0.Z; Q033 += a0.W * b0.W;
        Q100 += a0.X * b1.X; Q101 += a0.X * b1.Y; Q102 += a0.X * b1.Z; Q103 += a0.X * b1.W;
        Q110 += a0.Y * b1.X; Q111 += a0.Y * b1.Y; Q112 += a0.Y * b1.Z; Q113 += a0.Y * b1.W;
        Q120 += a0.Z * b1.X; Q121 += a0.Z * b1.Y; Q122 += a0.Z * b1.Z; Q123 += a0.Z * b1.W;
        Q130 += a0.W * b1.X; Q131 += a0.W * b1.Y; Q132 += a0.W * b1.Z; Q133 += a0.W * b1.W;
        Q200 += a1.X * b0.X; Q201 += a1.X * b0.Y; Q202 += a1.X * b0.Z; Q203 += a1.X * b0.W;
        Q210 += a1.Y * b0.X; Q211 += a1.Y * b0.Y; Q212 += a1.Y * b0.Z; Q213 += a1.Y * b0.W;
        Q220 += a1.Z * b0.X; Q221 += a1.Z * b0.Y; Q222 += a1.Z * b0.Z; Q223 += a1.Z * b0.W;
        Q230 += a1.W * b0.X; Q231 += a1.W * b0.Y; Q232 += a1.W * b0.Z; Q233 += a1.W * b0.W;
        Q300 += a1.X * b1.X; Q301 += a1.X * b1.Y; Q302 += a1.X * b1.Z; Q303 += a1.X * b1.W;
        Q310 += a1.Y * b1.X; Q311 += a1.Y * b1.Y; Q312 += a1.Y * b1.Z; Q313 += a1.Y * b1.W;
        Q320 += a1.Z * b1.X; Q321 += a1.Z * b1.Y; Q322 += a1.Z * b1.Z; Q323 += a1.Z * b1.W;
        Q330 += a1.W * b1.X; Q331 += a1.W * b1.Y; Q332 += a1.W * b1.Z; Q333 += a1.W * b1.W;
    }

    /// <summary>Row i (0..3) of quadrant q (0..3) as four floats; q and i constant after inlining.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly Float4 Row(int q, int i) => (q * 4 + i) switch
    {
        0 => new(Q000, Q001, Q002, Q003), 1 => new(Q010, Q011, Q012, Q013), 2 => new(Q020, Q021, Q022, Q023), 3 => new(Q030, Q031, Q032, Q033),
        4 => new(Q100, Q101, Q102, Q103), 5 => new(Q110, Q111, Q112, Q113), 6 => new(Q120, Q121, Q122, Q123), 7 => new(Q130, Q131, Q132, Q133),
        8 => new(Q200, Q201, Q202, Q203), 9 => new(Q210, Q211, Q212, Q213), 10 => new(Q220, Q221, Q222, Q223), 11 => new(Q230, Q231, Q232, Q233),
        12 => new(Q300, Q301, Q302, Q303), 13 => new(Q310, Q311, Q312, Q313), 14 => new(Q320, Q321, Q322, Q323), _ => new(Q330, Q331, Q332, Q333),
    };
}
