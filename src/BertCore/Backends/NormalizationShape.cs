using BertCore.Tensors;

namespace BertCore.Backends;

/// <summary>
/// The sizes of one normalization op (layer norm, its fused residual form, softmax, and their backwards): every
/// row-shaped operand viewed as [Rows, Cols] over its last dimension, per-column operands [Cols], per-row statistics
/// [Rows]; all fp32. One factory per op, each the op's only argument check.
/// </summary>
internal readonly record struct NormalizationShape(int Rows, int Cols)
{
    // x, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public static NormalizationShape LayerNorm(Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor rstd)
    {
        var s = Of("LayerNorm", x);
        s.Forward("LayerNorm", x, gamma, beta, y, mean, rstd);
        return s;
    }

    // x, residual, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public static NormalizationShape AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor rstd)
    {
        var s = Of("AddLayerNorm", x);
        OpChecks.Floats("AddLayerNorm", "residual", residual, x.Count);
        s.Forward("AddLayerNorm", x, gamma, beta, y, mean, rstd);
        return s;
    }

    // dy, x [R, C]; gamma [C]; mean, rstd [R]; dx [R, C], dgamma, dbeta [C] or null
    public static NormalizationShape LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dgamma, Tensor? dbeta)
    {
        var s = Of("LayerNormBackward", x);
        s.Backward("LayerNormBackward", dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        return s;
    }

    // dy, x, residual [R, C]; gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] or null
    public static NormalizationShape AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        var s = Of("AddLayerNormBackward", x);
        OpChecks.Floats("AddLayerNormBackward", "residual", residual, x.Count);
        OpChecks.OptionalFloats("AddLayerNormBackward", "dresidual", dresidual, x.Count);
        s.Backward("AddLayerNormBackward", dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        return s;
    }

    // x, y [R, C]
    public static NormalizationShape Softmax(Tensor x, Tensor y)
    {
        var s = Of("Softmax", x);
        OpChecks.Floats("Softmax", "y", y, x.Count);
        return s;
    }

    // y, dy, dx [R, C]
    public static NormalizationShape SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var s = Of("SoftmaxBackward", y);
        OpChecks.Floats("SoftmaxBackward", "dy", dy, y.Count);
        OpChecks.Floats("SoftmaxBackward", "dx", dx, y.Count);
        return s;
    }

    private static NormalizationShape Of(string op, Tensor x)
    {
        OpChecks.Float(op, "x", x);
        return new(OpChecks.Rows(op, "x", x), x.Shape.Last);
    }

    private void Forward(string op, Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor rstd)
    {
        OpChecks.Floats(op, "gamma", gamma, Cols);
        OpChecks.Floats(op, "beta", beta, Cols);
        OpChecks.Floats(op, "y", y, x.Count);
        OpChecks.Floats(op, "mean", mean, Rows);
        OpChecks.Floats(op, "rstd", rstd, Rows);
    }

    private void Backward(string op, Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta)
    {
        OpChecks.Floats(op, "dy", dy, x.Count);
        OpChecks.Floats(op, "gamma", gamma, Cols);
        OpChecks.Floats(op, "mean", mean, Rows);
        OpChecks.Floats(op, "rstd", rstd, Rows);
        OpChecks.OptionalFloats(op, "dx", dx, x.Count);
        OpChecks.OptionalFloats(op, "dgamma", dgamma, Cols);
        OpChecks.OptionalFloats(op, "dbeta", dbeta, Cols);
    }
}
