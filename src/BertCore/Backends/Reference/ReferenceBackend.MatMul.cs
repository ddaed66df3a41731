using BertCore.Tensors;

namespace BertCore.Backends.Reference;

public sealed partial class ReferenceBackend
{
    /// <summary>
    /// c = op(a)·op(b) + bias + beta·c, then gelu when asked, for each of batch matrices. a [batch, m, k]
    /// ([batch, k, m] if transA); b [batch, k, n] ([batch, n, k] if transB), or one such matrix shared by every
    /// batch when bBroadcast; bias [n] or null; c [batch, m, n] or null, read only when beta ≠ 0.
    /// Returns a new [batch, m, n] array (post-GELU if gelu).
    /// </summary>
    public static double[] MatMul(double[] a, bool transA, double[] b, bool transB, int batch, int m, int n, int k,
        bool bBroadcast = false, double[]? bias = null, double[]? c = null, double beta = 0, bool gelu = false)
    {
        var y = new double[batch * m * n];
        for (int t = 0; t < batch; t++)
        {
            int aOff = t * m * k, bOff = bBroadcast ? 0 : t * k * n, cOff = t * m * n;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double s = bias == null ? 0 : bias[j];
                    if (beta != 0) s += beta * c![cOff + i * n + j];
                    for (int p = 0; p < k; p++)
                    {
                        double av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                        double bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                        s += av * bv;
                    }
                    y[cOff + i * n + j] = gelu ? Gelu(s) : s;
                }
            }
        }
        return y;
    }

    /// <summary>Column sums: dy [rows, cols] → [cols].</summary>
    public static double[] SumRows(double[] dy, int rows, int cols)
    {
        var s = new double[cols];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < cols; j++)
                s[j] += dy[r * cols + j];
        return s;
    }

    /// <inheritdoc/>
    // a [batch..., M, K] ([..., K, M] if transA); b [batch..., K, N] ([..., N, K] if transB) or a shared [K, N] ([N, K]);
    // c [batch..., M, N]; bias [N] or null; geluOut [batch..., M, N] or null.
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null)
    {
        var s = MatMulShape.Of(a, transA, b, transB, c, bias, geluOut);
        var pre = MatMul(Read(a), transA, Read(b), transB, s.Batch, s.M, s.N, s.K, s.BroadcastB, ReadOptional(bias),
            beta != 0 ? Read(c) : null, beta);
        Write(pre, c);
        if (geluOut != null) Write(Gelu(pre), geluOut);
    }

    /// <inheritdoc/>
    // dy [R, N]; dbias [N]
    public void SumRowsInto(Tensor dy, Tensor dbias)
    {
        var (rows, cols) = MatMulShape.SumRowsInto(dy, dbias);
        AddTo(SumRows(Read(dy), rows, cols), dbias);
    }
}
