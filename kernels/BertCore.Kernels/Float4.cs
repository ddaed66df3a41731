using System.Runtime.CompilerServices;

namespace BertCore.Kernels;

/// <summary>Four consecutive floats, loaded and stored as one 16-byte access (ld.v4.f32) from 16-byte aligned views.</summary>
public struct Float4
{
    public float X, Y, Z, W;

    public Float4(float x, float y, float z, float w)
    {
        X = x;
        Y = y;
        Z = z;
        W = w;
    }

    /// <summary>Component i (0..3); i must be a constant after inlining for the value to stay in registers.</summary>
    public readonly float this[int i]
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => i == 0 ? X : i == 1 ? Y : i == 2 ? Z : W;
    }
}
