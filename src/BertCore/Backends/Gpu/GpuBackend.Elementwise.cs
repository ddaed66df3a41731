using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    public void Gelu(Tensor x, Tensor y) => Map(MapOp.Gelu, ElementwiseShape.Gelu(x, y), x, null, y);
    public void GeluBackward(Tensor x, Tensor dy, Tensor dx) => Map(MapOp.GeluBackward, ElementwiseShape.GeluBackward(x, dy, dx), x, dy, dx);
    public void Tanh(Tensor x, Tensor y) => Map(MapOp.Tanh, ElementwiseShape.Tanh(x, y), x, null, y);
    public void TanhBackward(Tensor y, Tensor dy, Tensor dx) => Map(MapOp.TanhBackward, ElementwiseShape.TanhBackward(y, dy, dx), y, dy, dx);
    public void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f) => Map(MapOp.Add, ElementwiseShape.Add(a, b, y), a, b, y, alpha, beta);
    public void Mul(Tensor a, Tensor b, Tensor y) => Map(MapOp.Mul, ElementwiseShape.Mul(a, b, y), a, b, y);
    public void Scale(Tensor x, float alpha, Tensor y) => Map(MapOp.Scale, ElementwiseShape.Scale(x, y), x, null, y, alpha);
    public void AddInto(Tensor dy, Tensor dx, float alpha = 1f) => Map(MapOp.AddInto, ElementwiseShape.AddInto(dy, dx), dy, null, dx, alpha);
    public void MulAddInto(Tensor dy, Tensor other, Tensor dx) => Map(MapOp.MulAddInto, ElementwiseShape.MulAddInto(dy, other, dx), dy, other, dx);

    // dScalar [1]; dx any shape
    public void AddScalarInto(Tensor dScalar, Tensor dx, float alpha)
    {
        var s = ElementwiseShape.AddScalarInto(dScalar, dx);
        Launch(new MapParams(MapOp.AddScalarInto, checked((int)s.Count), alpha, 0f, 0f, 0, 0), F(dx), F(dScalar), F(dx));
    }

    public void Dropout(Tensor x, Dropout dropout, Tensor y) => Map(MapOp.Dropout, ElementwiseShape.Dropout(x, dropout, y), x, null, y, dropout: dropout);
    public void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx) =>
        Map(MapOp.DropoutBackward, ElementwiseShape.DropoutBackward(dy, dropout, dx), dy, null, dx, dropout: dropout);

    /// <summary>y (op)= f(a, b) element-wise over the checked shape s (a, b when given, and y hold s.Count elements).</summary>
    private void Map(MapOp op, ElementwiseShape s, Tensor a, Tensor? b, Tensor y, float alpha = 1f, float beta = 1f, Dropout dropout = default) =>
        Launch(new MapParams(op, checked((int)s.Count), alpha, beta, dropout.P, dropout.Seed, dropout.Offset), F(a), b == null ? F(a) : F(b), F(y));

    private void Launch(in MapParams p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        if (p.Count > 0) _kernels.Map(StrideLaunch(p.Count), a, b, y, p);
    }
}
