using BertCore.Kernels;
using BertCore.Tensors;
using ILGPU;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    public void Gelu(Tensor x, Tensor y) => Map(MapOp.Gelu, x, null, y, "Gelu");
    public void GeluBackward(Tensor x, Tensor dy, Tensor dx) => Map(MapOp.GeluBackward, x, dy, dx, "GeluBackward");
    public void Tanh(Tensor x, Tensor y) => Map(MapOp.Tanh, x, null, y, "Tanh");
    public void TanhBackward(Tensor y, Tensor dy, Tensor dx) => Map(MapOp.TanhBackward, y, dy, dx, "TanhBackward");
    public void Add(Tensor a, Tensor b, Tensor y, float alpha = 1f, float beta = 1f) => Map(MapOp.Add, a, b, y, "Add", alpha, beta);
    public void Mul(Tensor a, Tensor b, Tensor y) => Map(MapOp.Mul, a, b, y, "Mul");
    public void Scale(Tensor x, float alpha, Tensor y) => Map(MapOp.Scale, x, null, y, "Scale", alpha);
    public void AddInto(Tensor dy, Tensor dx, float alpha = 1f) => Map(MapOp.AddInto, dy, null, dx, "AddInto", alpha);
    public void MulAddInto(Tensor dy, Tensor other, Tensor dx) => Map(MapOp.MulAddInto, dy, other, dx, "MulAddInto");

    // dScalar [1]; dx any shape
    public void AddScalarInto(Tensor dScalar, Tensor dx, float alpha)
    {
        OpChecks.RequireCount(dScalar, 1, "AddScalarInto");
        Launch(new MapParams(MapOp.AddScalarInto, checked((int)dx.Count), alpha, 0f, 0f, 0, 0), F(dx), F(dScalar), F(dx));
    }

    public void Dropout(Tensor x, Dropout dropout, Tensor y) => Map(MapOp.Dropout, x, null, y, "Dropout", dropout: dropout);
    public void DropoutBackward(Tensor dy, Dropout dropout, Tensor dx) => Map(MapOp.DropoutBackward, dy, null, dx, "DropoutBackward", dropout: dropout);

    /// <summary>y (op)= f(a, b) element-wise; a, b (when given) and y hold the same count.</summary>
    private void Map(MapOp op, Tensor a, Tensor? b, Tensor y, string name, float alpha = 1f, float beta = 1f, Dropout dropout = default)
    {
        if (b != null) OpChecks.RequireCount(b, a.Count, name);
        OpChecks.RequireCount(y, a.Count, name);
        Launch(new MapParams(op, checked((int)a.Count), alpha, beta, dropout.P, dropout.Seed, dropout.Offset), F(a), b == null ? F(a) : F(b), F(y));
    }

    private void Launch(in MapParams p, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y)
    {
        if (p.Count > 0) _kernels.Map(StrideLaunch(p.Count), a, b, y, p);
    }
}
