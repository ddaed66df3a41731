using BertCore.Kernels;
using BertCore.Tensors;

namespace BertCore.Backends.Gpu;

public sealed partial class GpuBackend
{
    // x, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd) =>
        LayerNormCore(x, null, gamma, beta, eps, y, mean, rstd, "LayerNorm");

    // x, residual, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        OpChecks.RequireCount(residual, x.Count, "AddLayerNorm");
        LayerNormCore(x, residual, gamma, beta, eps, y, mean, rstd, "AddLayerNorm");
    }

    // dy, x [R, C]; gamma [C]; mean, rstd [R]; dx [R, C], dgamma, dbeta [C] (each optional, added into)
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta) =>
        LayerNormBackwardCore(dy, x, null, gamma, mean, rstd, dx, null, dgamma, dbeta);

    // dy, x, residual [R, C]; gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] (each optional, added into)
    public void AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        OpChecks.RequireCount(residual, x.Count, "AddLayerNormBackward");
        LayerNormBackwardCore(dy, x, residual, gamma, mean, rstd, dx, dresidual, dgamma, dbeta);
    }

    private void LayerNormCore(Tensor x, Tensor? residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd, string op)
    {
        int cols = x.Shape.Last, rows = checked((int)x.Shape.Rows);
        OpChecks.RequireCount(gamma, cols, op);
        OpChecks.RequireCount(beta, cols, op);
        OpChecks.RequireCount(y, x.Count, op);
        OpChecks.RequireCount(mean, rows, op);
        OpChecks.RequireCount(rstd, rows, op);
        if (rows == 0 || cols == 0) return;
        _kernels.LayerNorm(RowLaunch(rows), F(x), Optional(residual), residual == null ? 0 : 1, F(gamma), F(beta), F(y), F(mean), F(rstd),
            rows, cols, eps);
    }

    private void LayerNormBackwardCore(Tensor dy, Tensor x, Tensor? residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        int cols = x.Shape.Last, rows = checked((int)x.Shape.Rows);
        const string op = "LayerNormBackward";
        OpChecks.RequireCount(dy, x.Count, op);
        OpChecks.RequireCount(gamma, cols, op);
        OpChecks.RequireCount(mean, rows, op);
        OpChecks.RequireCount(rstd, rows, op);
        if (dx != null) OpChecks.RequireCount(dx, x.Count, op);
        if (dresidual != null) OpChecks.RequireCount(dresidual, x.Count, op);
        if (dgamma != null) OpChecks.RequireCount(dgamma, cols, op);
        if (dbeta != null) OpChecks.RequireCount(dbeta, cols, op);
        if (rows == 0 || cols == 0) return;
        var res = Optional(residual);
        int hasRes = residual == null ? 0 : 1;
        if (dx != null || dresidual != null)
            _kernels.LayerNormBackward(RowLaunch(rows), F(dy), F(x), res, hasRes, F(gamma), F(mean), F(rstd),
                Optional(dx), dx == null ? 0 : 1, Optional(dresidual), dresidual == null ? 0 : 1, rows, cols);
        if (dgamma == null && dbeta == null) return;
        int chunks = ColumnReductionKernels.Chunks(rows);
        long half = (long)chunks * cols;
        var partials = Scratch(2 * half);   // [2, chunks, cols]: dgamma's, then dbeta's
        _kernels.LayerNormParamPartials(ColumnChunkLaunch(rows, cols), F(dy), F(x), res, hasRes, F(mean), F(rstd), partials, rows, cols);
        if (dgamma != null) AddColumnSums(partials.SubView(0, half), F(dgamma), chunks, cols);
        if (dbeta != null) AddColumnSums(partials.SubView(half, half), F(dbeta), chunks, cols);
    }

    // x, y [R, C]
    public void Softmax(Tensor x, Tensor y)
    {
        int cols = x.Shape.Last, rows = checked((int)x.Shape.Rows);
        OpChecks.RequireCount(y, x.Count, "Softmax");
        if (rows == 0 || cols == 0) return;
        _kernels.Softmax(RowLaunch(rows), F(x), F(y), rows, cols);
    }

    // y, dy, dx [R, C]
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        int cols = y.Shape.Last, rows = checked((int)y.Shape.Rows);
        OpChecks.RequireCount(dy, y.Count, "SoftmaxBackward");
        OpChecks.RequireCount(dx, y.Count, "SoftmaxBackward");
        if (rows == 0 || cols == 0) return;
        _kernels.SoftmaxBackward(RowLaunch(rows), F(y), F(dy), F(dx), rows, cols);
    }
}
