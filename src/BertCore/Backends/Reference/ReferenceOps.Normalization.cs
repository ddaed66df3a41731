namespace BertCore.Backends.Reference;

public static partial class ReferenceOps
{
    /// <summary>
    /// LayerNorm over each row: (x − mean) / sqrt(var + eps) · gamma + beta with the biased variance, as torch.
    /// x [rows, cols]; gamma, beta [cols]; returns [rows, cols].
    /// </summary>
    public static double[] LayerNorm(double[] x, int rows, int cols, double[] gamma, double[] beta, double eps)
    {
        var y = new double[rows * cols];
        for (int r = 0; r < rows; r++)
        {
            double mean = 0;
            for (int c = 0; c < cols; c++) mean += x[r * cols + c];
            mean /= cols;
            double variance = 0;
            for (int c = 0; c < cols; c++) variance += (x[r * cols + c] - mean) * (x[r * cols + c] - mean);
            variance /= cols;
            double rstd = 1 / Math.Sqrt(variance + eps);
            for (int c = 0; c < cols; c++) y[r * cols + c] = (x[r * cols + c] - mean) * rstd * gamma[c] + beta[c];
        }
        return y;
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
}
