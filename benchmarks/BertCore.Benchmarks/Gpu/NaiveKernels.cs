using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Benchmarks.Gpu;

/// <summary>Version 1 of each workbench kernel: the plainest correct GPU code, the baseline the production kernels
/// (kernels/BertCore.Kernels, version 2) are measured against.</summary>
public static class NaiveKernels
{
    /// <summary>GEMM v1: one thread per element of c = a·b, operands read from global memory. a [m, k]; b [k, n]; c [m, n].
    /// Launch: m·n threads.</summary>
    public static void Gemm(Index1D e, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, int m, int n, int k)
    {
        if (e >= m * n) return;
        int i = e / n, j = e % n;
        float s = 0f;
        for (int p = 0; p < k; p++) s += a[(long)i * k + p] * b[(long)p * n + j];
        c[e] = s;
    }

    /// <summary>LayerNorm v1: one thread per row, three passes. x, y [rows, cols]; gamma, beta [cols].</summary>
    public static void LayerNorm(Index1D r, ArrayView<float> x, ArrayView<float> gamma, ArrayView<float> beta, ArrayView<float> y,
        int rows, int cols, float eps)
    {
        if (r >= rows) return;
        long row = (long)r.X * cols;
        float mean = 0f;
        for (int c = 0; c < cols; c++) mean += x[row + c];
        mean /= cols;
        float variance = 0f;
        for (int c = 0; c < cols; c++) variance += (x[row + c] - mean) * (x[row + c] - mean);
        float rstd = XMath.Rsqrt(variance / cols + eps);
        for (int c = 0; c < cols; c++) y[row + c] = (x[row + c] - mean) * rstd * gamma[c] + beta[c];
    }

    /// <summary>Softmax v1: one thread per row. x, y [rows, cols].</summary>
    public static void Softmax(Index1D r, ArrayView<float> x, ArrayView<float> y, int rows, int cols)
    {
        if (r >= rows) return;
        long row = (long)r.X * cols;
        float m = float.NegativeInfinity;
        for (int c = 0; c < cols; c++) m = XMath.Max(m, x[row + c]);
        float s = 0f;
        for (int c = 0; c < cols; c++) s += XMath.Exp(x[row + c] - m);
        for (int c = 0; c < cols; c++) y[row + c] = XMath.Exp(x[row + c] - m) / s;
    }

    /// <summary>Column sum v1 (the bias gradient): one thread per column adding every row in order.
    /// x [rows, cols]; dst [cols] (added into). Launch: cols threads.</summary>
    public static void ColumnSums(Index1D c, ArrayView<float> x, ArrayView<float> dst, int rows, int cols)
    {
        if (c >= cols) return;
        float s = 0f;
        for (int r = 0; r < rows; r++) s += x[(long)r * cols + c];
        dst[c] += s;
    }

    /// <summary>LayerNorm parameter gradients v1: one thread per column, dgamma += Σ dy·x̂ and dbeta += Σ dy over every row.
    /// dy, x [rows, cols]; mean, rstd [rows]; dgamma, dbeta [cols]. Launch: cols threads.</summary>
    public static void LayerNormParamGrads(Index1D c, ArrayView<float> dy, ArrayView<float> x, ArrayView<float> mean,
        ArrayView<float> rstd, ArrayView<float> dgamma, ArrayView<float> dbeta, int rows, int cols)
    {
        if (c >= cols) return;
        float sg = 0f, sb = 0f;
        for (int r = 0; r < rows; r++)
        {
            long at = (long)r * cols + c;
            sg += dy[at] * (x[at] - mean[r]) * rstd[r];
            sb += dy[at];
        }
        dgamma[c] += sg;
        dbeta[c] += sb;
    }
}
