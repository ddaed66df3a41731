using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>
/// Four floats of one thread, kept in registers: four consecutive elements loaded and stored as one 16-byte access
/// (ld.v4.f32) from 16-byte aligned views (the GEMM), or four columns of a tile with component-wise arithmetic (the
/// attention tiles: X, Y, Z, W at columns tx, tx + 16, tx + 32, tx + 48).
/// </summary>
public struct Float4(float x, float y, float z, float w)
{
    public float X = x, Y = y, Z = z, W = w;

    /// <summary>Component <paramref name="s"/> (0..3); constant after inlining for the value to stay in a register.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly float At(int s) => s == 0 ? X : s == 1 ? Y : s == 2 ? Z : W;

    /// <summary>acc + a·b, component by component.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 MulAdd(Float4 acc, float a, Float4 b) =>
        new(acc.X + a * b.X, acc.Y + a * b.Y, acc.Z + a * b.Z, acc.W + a * b.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Splat(float a) => new(a, a, a, a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Add(Float4 a, Float4 b) => new(a.X + b.X, a.Y + b.Y, a.Z + b.Z, a.W + b.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Sub(Float4 a, Float4 b) => new(a.X - b.X, a.Y - b.Y, a.Z - b.Z, a.W - b.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Mul(Float4 a, Float4 b) => new(a.X * b.X, a.Y * b.Y, a.Z * b.Z, a.W * b.W);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Max(Float4 a, Float4 b) => new(XMath.Max(a.X, b.X), XMath.Max(a.Y, b.Y), XMath.Max(a.Z, b.Z), XMath.Max(a.W, b.W));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Exp(Float4 a) => new(XMath.Exp(a.X), XMath.Exp(a.Y), XMath.Exp(a.Z), XMath.Exp(a.W));

    /// <summary>The sum and the maximum of the four components.</summary>
    public readonly float Sum() => X + Y + Z + W;
    public readonly float Largest() => XMath.Max(XMath.Max(X, Y), XMath.Max(Z, W));

    /// <summary>tile[at], tile[at + 16], tile[at + 32], tile[at + 48]: one thread's four columns of a 64-wide tile row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Float4 Load(ArrayView<float> tile, int at) => new(tile[at], tile[at + 16], tile[at + 32], tile[at + 48]);
}
