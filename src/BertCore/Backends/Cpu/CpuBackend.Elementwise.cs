using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.Intrinsics;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Gelu(Tensor x, Tensor y)
    {
        OpChecks.RequireCount(y, x.Count, "Gelu");
        Simd.Map<GeluOp>(_pool, x.Data, y.Data, x.Count);
    }

    public void GeluBackward(Tensor x, Tensor dy, Tensor dx)
    {
        OpChecks.RequireCount(dy, x.Count, "GeluBackward");
        OpChecks.RequireCount(dx, x.Count, "GeluBackward");
        Simd.Map<GeluGradOp>(_pool, x.Data, dy.Data, dx.Data, x.Count, accumulate: true);
    }

    public void Tanh(Tensor x, Tensor y)
    {
        OpChecks.RequireCount(y, x.Count, "Tanh");
        TensorPrimitives.Tanh(x.Span, y.Span);
    }

    public void TanhBackward(Tensor y, Tensor dy, Tensor dx)
    {
        OpChecks.RequireCount(dy, y.Count, "TanhBackward");
        OpChecks.RequireCount(dx, y.Count, "TanhBackward");
        Simd.Map<TanhGradOp>(_pool, y.Data, dy.Data, dx.Data, y.Count, accumulate: true);
    }

    public void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f)
    {
        OpChecks.RequireCount(b, a.Count, "Add");
        OpChecks.RequireCount(y, a.Count, "Add");
        if (alpha == 1f && beta == 1f) TensorPrimitives.Add(a.Span, b.Span, y.Span);
        else
        {
            TensorPrimitives.Multiply(b.Span, beta, y.Span);
            TensorPrimitives.MultiplyAdd(a.Span, alpha, y.Span, y.Span);
        }
    }

    public void Mul(Tensor a, Tensor b, Tensor y)
    {
        OpChecks.RequireCount(b, a.Count, "Mul");
        OpChecks.RequireCount(y, a.Count, "Mul");
        TensorPrimitives.Multiply(a.Span, b.Span, y.Span);
    }

    public void Scale(Tensor x, float alpha, Tensor y)
    {
        OpChecks.RequireCount(y, x.Count, "Scale");
        TensorPrimitives.Multiply(x.Span, alpha, y.Span);
    }

    public void AddInto(Tensor dy, Tensor dx, float alpha = 1f)
    {
        OpChecks.RequireCount(dx, dy.Count, "AddInto");
        TensorPrimitives.MultiplyAdd(dy.Span, alpha, dx.Span, dx.Span);
    }

    public void MulAddInto(Tensor dy, Tensor other, Tensor dx)
    {
        OpChecks.RequireCount(other, dy.Count, "MulAddInto");
        OpChecks.RequireCount(dx, dy.Count, "MulAddInto");
        TensorPrimitives.MultiplyAdd(dy.Span, other.Span, dx.Span, dx.Span);
    }

    public void AddScalarInto(Tensor dScalar, Tensor dx, float alpha)
    {
        OpChecks.RequireCount(dScalar, 1, "AddScalarInto");
        TensorPrimitives.Add(dx.Span, alpha * dScalar.Data[0], dx.Span);
    }

    public void Dropout(Tensor x, Dropout dropout, Tensor y)
    {
        OpChecks.RequireCount(y, x.Count, "Dropout");
        ApplyDropout(x.Data, y.Data, x.Count, dropout, accumulate: false);
    }

    public void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx)
    {
        OpChecks.RequireCount(dx, dy.Count, "DropoutBackward");
        ApplyDropout(dy.Data, dx.Data, dy.Count, dropout, accumulate: true);
    }

    /// <summary>y[i] (+)= x[i] · keep(i) / (1 - p), keep(i) from the counter RNG at offset + i.</summary>
    internal static void ApplyDropout(float* x, float* y, long n, Dropout d, bool accumulate)
    {
        float scale = 1f / (1f - d.P);
        for (long i = 0; i < n; i++)
        {
            float v = CounterRng.Keep(d.P, d.Seed, d.Offset + (ulong)i) ? x[i] * scale : 0f;
            y[i] = accumulate ? y[i] + v : v;
        }
    }

    private readonly struct GeluOp : IUnaryOp
    {
        public static Vector512<float> Apply(Vector512<float> x) => GeluMath.Gelu(x);
        public static Vector256<float> Apply(Vector256<float> x) => GeluMath.Gelu(x);
        public static float Apply(float x) => GeluMath.Gelu(x);
    }

    /// <summary>(x, dy) → dy · gelu'(x).</summary>
    private readonly struct GeluGradOp : IBinaryOp
    {
        public static Vector512<float> Apply(Vector512<float> x, Vector512<float> dy) => GeluMath.GeluDerivative(x) * dy;
        public static Vector256<float> Apply(Vector256<float> x, Vector256<float> dy) => GeluMath.GeluDerivative(x) * dy;
        public static float Apply(float x, float dy) => GeluMath.GeluDerivative(x) * dy;
    }

    /// <summary>(y, dy) → dy · (1 - y²).</summary>
    private readonly struct TanhGradOp : IBinaryOp
    {
        public static Vector512<float> Apply(Vector512<float> y, Vector512<float> dy) => dy * (Vector512<float>.One - y * y);
        public static Vector256<float> Apply(Vector256<float> y, Vector256<float> dy) => dy * (Vector256<float>.One - y * y);
        public static float Apply(float y, float dy) => dy * (1f - y * y);
    }
}
