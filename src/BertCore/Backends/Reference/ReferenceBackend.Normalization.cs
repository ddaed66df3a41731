using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// LayerNorm over each row: (x − mean) / sqrt(var + eps) · gamma + beta with the biased variance, as torch.
    /// x [rows, cols]; gamma, beta [cols]; returns [rows, cols].
    /// </summary>
    public static double[] LayerNorm(double[] x, int rows, int cols, double[] gamma, double[] beta, double eps) =>
        LayerNorm(x, rows, cols, gamma, beta, eps, new double[rows], new double[rows]);

    /// <summary>As above, also storing each row's mean and 1/sqrt(var + eps) into mean, rstd [rows].</summary>
    private static double[] LayerNorm(double[] x, int rows, int cols, double[] gamma, double[] beta, double eps, double[] mean, double[] rstd)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double mu = 0;
            for (int c = 0; c < cols; c++) mu += x[r * cols + c];
            mu /= cols;
            double variance = 0;
            for (int c = 0; c < cols; c++) variance += (x[r * cols + c] - mu) * (x[r * cols + c] - mu);
            variance /= cols;
            mean[r] = mu;
            rstd[r] = 1 / Math.Sqrt(variance + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - mu) * rstd[r] * gamma[c] + beta[c];
        }
        return y;
    }

    /// <summary>
    /// The gradients of LayerNorm given the saved statistics, with x̂ = (x − mean)·rstd and ĝ = dy·gamma:
    /// dx = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ · x̂)); dgamma = Σ_rows dy · x̂; dbeta = Σ_rows dy.
    /// dy, x [rows, cols]; gamma [cols]; mean, rstd [rows]. Returns dx [rows, cols], dgamma, dbeta [cols].
    /// </summary>
    private static (double[] Dx, double[] Dgamma, double[] Dbeta) LayerNormBackward(double[] dy, double[] x, double[] gamma,
        double[] mean, double[] rstd, int rows, int cols)
    {
        var dx = new double[rows * cols];
        var dgamma = new double[cols];
        var dbeta = new double[cols];
        for (int r = 0; r < rows; r++)
        {
            double meanG = 0, meanGx = 0;
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                double xhat = (x[i] - mean[r]) * rstd[r], g = dy[i] * gamma[c];
                meanG += g;
                meanGx += g * xhat;
                dgamma[c] += dy[i] * xhat;
                dbeta[c] += dy[i];
            }
            meanG /= cols;
            meanGx /= cols;
            for (int c = 0; c < cols; c++)
            {
                int i = r * cols + c;
                double xhat = (x[i] - mean[r]) * rstd[r];
                dx[i] = rstd[r] * (dy[i] * gamma[c] - meanG - xhat * meanGx);
            }
        }
        return (dx, dgamma, dbeta);
    }

    /// <summary>Softmax over each row, max subtracted. x [rows, cols]; returns [rows, cols].</summary>
    public static double[] Softmax(double[] x, int rows, int cols)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double max = double.NegativeInfinity;
            for (int c = 0; c < cols; c++) max = Math.Max(max, x[r * cols + c]);
            double sum = 0;
            for (int c = 0; c < cols; c++) sum += y[r * cols + c] = Math.Exp(x[r * cols + c] - max);
            for (int c = 0; c < cols; c++) y[r * cols + c] /= sum;
        }
        return y;
    }

    /// <inheritdoc/>
    // x, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var s = NormalizationShape.LayerNorm(x, gamma, beta, y, mean, rstd);
        LayerNormInto(Read(x), s, gamma, beta, eps, y, mean, rstd);
    }

    /// <inheritdoc/>
    // x, residual, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var s = NormalizationShape.AddLayerNorm(x, residual, gamma, beta, y, mean, rstd);
        LayerNormInto(Add(Read(x), Read(residual)), s, gamma, beta, eps, y, mean, rstd);
    }

    /// <summary>y = LayerNorm(input) with mean, rstd stored. input [R, C] in double; y [R, C]; gamma, beta [C]; mean, rstd [R].</summary>
    private static void LayerNormInto(double[] input, NormalizationShape s, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        double[] mu = new double[s.Rows], r = new double[s.Rows];
        Write(LayerNorm(input, s.Rows, s.Cols, Read(gamma), Read(beta), eps, mu, r), y);
        Write(mu, mean);
        Write(r, rstd);
    }

    /// <inheritdoc/>
    // dy, x [R, C]; gamma [C]; mean, rstd [R]; dx [R, C], dgamma, dbeta [C] (each optional, added into)
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta)
    {
        var s = NormalizationShape.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        var g = LayerNormBackward(Read(dy), Read(x), Read(gamma), Read(mean), Read(rstd), s.Rows, s.Cols);
        AddToOptional(g.Dx, dx);
        AddToOptional(g.Dgamma, dgamma);
        AddToOptional(g.Dbeta, dbeta);
    }

    /// <inheritdoc/>
    // dy, x, residual [R, C]; gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] (each optional, added into)
    public void AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        var s = NormalizationShape.AddLayerNormBackward(dy, x, residual, gamma, mean, rstd, dx, dresidual, dgamma, dbeta);
        var g = LayerNormBackward(Read(dy), Add(Read(x), Read(residual)), Read(gamma), Read(mean), Read(rstd), s.Rows, s.Cols);
        AddToOptional(g.Dx, dx);
        AddToOptional(g.Dx, dresidual);
        AddToOptional(g.Dgamma, dgamma);
        AddToOptional(g.Dbeta, dbeta);
    }

    /// <inheritdoc/>
    // x, y [R, C]
    public void Softmax(Tensor x, Tensor y)
    {
        var s = NormalizationShape.Softmax(x, y);
        Write(Softmax(Read(x), s.Rows, s.Cols), y);
    }

    /// <inheritdoc/>
    // y, dy, dx [R, C]: dx += y · (dy − Σ_row dy · y)
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var s = NormalizationShape.SoftmaxBackward(y, dy, dx);
        double[] yv = Read(y), dyv = Read(dy), g = new double[yv.Length];
        for (int r = 0; r < s.Rows; r++)
        {
            double dot = 0;
            for (int c = 0; c < s.Cols; c++) dot += dyv[r * s.Cols + c] * yv[r * s.Cols + c];
            for (int c = 0; c < s.Cols; c++) g[r * s.Cols + c] = yv[r * s.Cols + c] * (dyv[r * s.Cols + c] - dot);
        }
        AddTo(g, dx);
    }
}
