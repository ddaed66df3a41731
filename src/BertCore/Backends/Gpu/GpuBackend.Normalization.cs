using BertCore.Kernels;
using BertCore.Tensors;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // x, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) =>
        LayerNormCore(NormalizationShape.LayerNorm(x, gamma, beta, y, mean, rstd), x, null, gamma, beta, eps, y, mean, rstd);

    // x, residual, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) =>
        LayerNormCore(NormalizationShape.AddLayerNorm(x, residual, gamma, beta, y, mean, rstd), x, residual, gamma, beta, eps, y, mean, rstd);

    // dy, x [R, C]; gamma [C]; mean, rstd [R]; dx [R, C], dgamma, dbeta [C] (each optional, added into)
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta) =>
        LayerNormBackwardCore(NormalizationShape.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta),
            dy, x, null, gamma, mean, rstd, dx, null, dgamma, dbeta);

    // dy, x, residual [R, C]; gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] (each optional, added into)
    public void AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta) =>
        LayerNormBackwardCore(NormalizationShape.AddLayerNormBackward(dy, x, residual, gamma, mean, rstd, dx, dresidual, dgamma, dbeta),
            dy, x, residual, gamma, mean, rstd, dx, dresidual, dgamma, dbeta);

    // x, residual, y [R, C] (residual optional); gamma, beta [C]; mean, rstd [R]: the checked shape s
    private void LayerNormCore(NormalizationShape s, Tensor x, Tensor? residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var (rows, cols) = s;
        if (rows == 0 || cols == 0) return;
        _kernels.LayerNorm(RowLaunch(rows), F(x), Optional(residual), residual == null ? 0 : 1, F(gamma), F(beta), F(y), F(mean), F(rstd),
            rows, cols, eps);
    }

    // dy, x, residual [R, C] (residual optional); gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] (each optional):
    // the checked shape s
    private void LayerNormBackwardCore(NormalizationShape s, Tensor dy, Tensor x, Tensor? residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        var (rows, cols) = s;
        if (rows == 0 || cols == 0) return;
        var res = Optional(residual);
        int hasRes = residual == null ? 0 : 1;
        if (dx != null || dresidual != null)
            _kernels.LayerNormBackward(RowLaunch(rows), F(dy), F(x), res, hasRes, F(gamma), F(mean), F(rstd),
                Optional(dx), dx == null ? 0 : 1, Optional(dresidual), dresidual == null ? 0 : 1, rows, cols);
        if (dgamma == null && dbeta == null) return;
        int chunks = ReductionColumnKernels.Chunks(rows);
        long half = (long)chunks * cols;
        var partials = Scratch(2 * half);   // [2, chunks, cols]: dgamma's, then dbeta's
        _kernels.LayerNormParamPartials(ColumnChunkLaunch(rows, cols), F(dy), F(x), res, hasRes, F(mean), F(rstd), partials, rows, cols);
        if (dgamma != null) AddColumnSums(partials.SubView(0, half), F(dgamma), chunks, cols);
        if (dbeta != null) AddColumnSums(partials.SubView(half, half), F(dbeta), chunks, cols);
    }

    // x, y [R, C]
    public void Softmax(Tensor x, Tensor y)
    {
        var (rows, cols) = NormalizationShape.Softmax(x, y);
        if (rows == 0 || cols == 0) return;
        _kernels.Softmax(RowLaunch(rows), F(x), F(y), rows, cols);
    }

    // y, dy, dx [R, C]
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var (rows, cols) = NormalizationShape.SoftmaxBackward(y, dy, dx);
        if (rows == 0 || cols == 0) return;
        _kernels.SoftmaxBackward(RowLaunch(rows), F(y), F(dy), F(dx), rows, cols);
    }
}
