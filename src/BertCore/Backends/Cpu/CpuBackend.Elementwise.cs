using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.Intrinsics;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Gelu(Tensor x, Tensor y)
    {
        var s = ElementwiseShape.Gelu(x, y);
        Simd.Map<GeluOp>(_pool, x.Data, y.Data, s.Count);
    }

    public void GeluBackward(Tensor x, Tensor dy, Tensor dx)
    {
        var s = ElementwiseShape.GeluBackward(x, dy, dx);
        Simd.Map<GeluGradOp>(_pool, x.Data, dy.Data, dx.Data, s.Count, accumulate: true);
    }

    public void Tanh(Tensor x, Tensor y)
    {
        ElementwiseShape.Tanh(x, y);
        TensorPrimitives.Tanh(x.Span, y.Span);
    }

    public void TanhBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var s = ElementwiseShape.TanhBackward(y, dy, dx);
        Simd.Map<TanhGradOp>(_pool, y.Data, dy.Data, dx.Data, s.Count, accumulate: true);
    }

    public void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f)
    {
        ElementwiseShape.Add(a, b, y);
        if (alpha == 1f && beta == 1f) TensorPrimitives.Add(a.Span, b.Span, y.Span);
        else
        {
            TensorPrimitives.Multiply(b.Span, beta, y.Span);
            TensorPrimitives.MultiplyAdd(a.Span, alpha, y.Span, y.Span);
        }
    }

    public void Mul(Tensor a, Tensor b, Tensor y)
    {
        ElementwiseShape.Mul(a, b, y);
        TensorPrimitives.Multiply(a.Span, b.Span, y.Span);
    }

    public void Scale(Tensor x, float alpha, Tensor y)
    {
        ElementwiseShape.Scale(x, y);
        TensorPrimitives.Multiply(x.Span, alpha, y.Span);
    }

    public void AddInto(Tensor dy, Tensor dx, float alpha = 1f)
    {
        ElementwiseShape.AddInto(dy, dx);
        TensorPrimitives.MultiplyAdd(dy.Span, alpha, dx.Span, dx.Span);
    }

    public void MulAddInto(Tensor dy, Tensor other, Tensor dx)
    {
        ElementwiseShape.MulAddInto(dy, other, dx);
        TensorPrimitives.MultiplyAdd(dy.Span, other.Span, dx.Span, dx.Span);
    }

    public void AddScalarInto(Tensor dScalar, Tensor dx, float alpha)
    {
        ElementwiseShape.AddScalarInto(dScalar, dx);
        TensorPrimitives.Add(dx.Span, alpha * dScalar.Data[0], dx.Span);
    }

    public void Dropout(Tensor x, Dropout dropout, Tensor y)
    {
        var s = ElementwiseShape.Dropout(x, dropout, y);
        ApplyDropout(x.Data, y.Data, s.Count, dropout, accumulate: false);
    }

    public void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx)
    {
        var s = ElementwiseShape.DropoutBackward(dy, dropout, dx);
        ApplyDropout(dy.Data, dx.Data, s.Count, dropout, accumulate: true);
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
