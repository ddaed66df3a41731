using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The size of one element-wise op (<see cref="IBackend.Gelu"/> ... <see cref="IBackend.DropoutBackward"/>): every
/// operand fp32 with the same element count, shapes free. One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct ElementwiseShape(long Count)
{
    // x, y: the same count
    public static ElementwiseShape Gelu(Tensor x, Tensor y) => Unary("Gelu", x, y);

    // x, dy, dx: the same count
    public static ElementwiseShape GeluBackward(Tensor x, Tensor dy, Tensor dx) => Binary("GeluBackward", "x", x, "dy", dy, "dx", dx);

    // x, y: the same count
    public static ElementwiseShape Tanh(Tensor x, Tensor y) => Unary("Tanh", x, y);

    // y, dy, dx: the same count
    public static ElementwiseShape TanhBackward(Tensor y, Tensor dy, Tensor dx) => Binary("TanhBackward", "y", y, "dy", dy, "dx", dx);

    // a, b, y: the same count
    public static ElementwiseShape Add(Tensor a, Tensor b, Tensor y) => Binary("Add", "a", a, "b", b, "y", y);

    // a, b, y: the same count
    public static ElementwiseShape Mul(Tensor a, Tensor b, Tensor y) => Binary("Mul", "a", a, "b", b, "y", y);

    // x, y: the same count
    public static ElementwiseShape Scale(Tensor x, Tensor y) => Unary("Scale", x, y);

    // dy, dx: the same count
    public static ElementwiseShape AddInto(Tensor dy, Tensor dx)
    {
        OpChecks.Float("AddInto", "dy", dy);
        OpChecks.Floats("AddInto", "dx", dx, dy.Count);
        return new(dy.Count);
    }

    // dy, other, dx: the same count
    public static ElementwiseShape MulAddInto(Tensor dy, Tensor other, Tensor dx) => Binary("MulAddInto", "dy", dy, "other", other, "dx", dx);

    // dScalar [1]; dx any shape
    public static ElementwiseShape AddScalarInto(Tensor dScalar, Tensor dx)
    {
        OpChecks.Floats("AddScalarInto", "dScalar", dScalar, 1);
        OpChecks.Float("AddScalarInto", "dx", dx);
        return new(dx.Count);
    }

    // x, y: the same count
    public static ElementwiseShape Dropout(Tensor x, Dropout dropout, Tensor y)
    {
        OpChecks.Probability("Dropout", dropout);
        return Unary("Dropout", x, y);
    }

    // dy, dx: the same count
    public static ElementwiseShape DropoutBackward(Tensor dy, Dropout dropout, Tensor dx)
    {
        OpChecks.Probability("DropoutBackward", dropout);
        OpChecks.Float("DropoutBackward", "dy", dy);
        OpChecks.Floats("DropoutBackward", "dx", dx, dy.Count);
        return new(dy.Count);
    }

    private static ElementwiseShape Unary(string op, Tensor x, Tensor y)
    {
        OpChecks.Float(op, "x", x);
        OpChecks.Floats(op, "y", y, x.Count);
        return new(x.Count);
    }

    private static ElementwiseShape Binary(string op, string firstName, Tensor first, string secondName, Tensor second, string outName, Tensor output)
    {
        OpChecks.Float(op, firstName, first);
        OpChecks.Floats(op, secondName, second, first.Count);
        OpChecks.Floats(op, outName, output, first.Count);
        return new(first.Count);
    }
}
