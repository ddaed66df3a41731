using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>The element-wise ops of <see cref="ElementwiseKernels.Map"/>.</summary>
public enum MapOp
{
    /// <summary>y = gelu(a).</summary>
    Gelu,
    /// <summary>y += b · gelu'(a) (a = x, b = dy).</summary>
    GeluBackward,
    /// <summary>y = tanh(a).</summary>
    Tanh,
    /// <summary>y += b · (1 − a²) (a = tanh output, b = dy).</summary>
    TanhBackward,
    /// <summary>y = alpha·a + beta·b.</summary>
    Add,
    /// <summary>y = a·b.</summary>
    Mul,
    /// <summary>y = alpha·a.</summary>
    Scale,
    /// <summary>y += alpha·a.</summary>
    AddInto,
    /// <summary>y += a·b.</summary>
    MulAddInto,
    /// <summary>y += alpha·b[0].</summary>
    AddScalarInto,
    /// <summary>y = a · dropout multiplier.</summary>
    Dropout,
    /// <summary>y += a · dropout multiplier.</summary>
    DropoutBackward,
}

/// <summary>Scalars of one <see cref="ElementwiseKernels.Map"/> launch; the dropout multiplier of element i comes from
/// the counter RNG at (Seed, Offset + i).</summary>
public readonly record struct MapParams(MapOp Op, int Count, float Alpha, float Beta, float P, ulong Seed, ulong Offset);

/// <summary>Element-wise maps, one kernel for all of them (the op is uniform across the grid, so the switch costs
/// no divergence). Launch: any grid; a grid-stride loop covers Count elements.</summary>
public static class ElementwiseKernels
{
    // a, b, y [Count] (b may be a one-element view for ops that do not read it; AddScalarInto reads b[0]).
    public static void Map(ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, MapParams p)
    {
        int stride = Grid.DimX * Group.DimX;
        for (int i = Grid.GlobalIndex.X; i < p.Count; i += stride)
        {
            switch (p.Op)
            {
                case MapOp.Gelu: y[i] = DeviceMath.Gelu(a[i]); break;
                case MapOp.GeluBackward: y[i] += b[i] * DeviceMath.GeluDerivative(a[i]); break;
                case MapOp.Tanh: y[i] = XMath.Tanh(a[i]); break;
                case MapOp.TanhBackward: y[i] += b[i] * (1f - a[i] * a[i]); break;
                case MapOp.Add: y[i] = p.Alpha * a[i] + p.Beta * b[i]; break;
                case MapOp.Mul: y[i] = a[i] * b[i]; break;
                case MapOp.Scale: y[i] = p.Alpha * a[i]; break;
                case MapOp.AddInto: y[i] += p.Alpha * a[i]; break;
                case MapOp.MulAddInto: y[i] += a[i] * b[i]; break;
                case MapOp.AddScalarInto: y[i] += p.Alpha * b[0]; break;
                case MapOp.Dropout: y[i] = a[i] * DeviceRng.Multiplier(p.P, p.Seed, p.Offset + (ulong)i); break;
                case MapOp.DropoutBackward: y[i] += a[i] * DeviceRng.Multiplier(p.P, p.Seed, p.Offset + (ulong)i); break;
            }
        }
    }
}
