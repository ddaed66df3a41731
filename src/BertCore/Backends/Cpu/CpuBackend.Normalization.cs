using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Columns per task of the dgamma/dbeta reduction (a multiple of the vector width).</summary>
    private const int LayerNormColumnBlock = 256;

    // x, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var (rows, cols) = NormalizationShape.LayerNorm(x, gamma, beta, y, mean, rstd);
        if (cols == 0) return;
        var job = new LayerNormJob(x.Data, null, gamma.Data, beta.Data, y.Data, mean.Data, rstd.Data, cols, eps);
        _pool.For(rows, 4L * cols, ref job);
    }

    // x, residual, y [R, C]; gamma, beta [C]; mean, rstd [R]
    public void AddLayerNorm(Tensor x, Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor y, Tensor mean, Tensor rstd)
    {
        var (rows, cols) = NormalizationShape.AddLayerNorm(x, residual, gamma, beta, y, mean, rstd);
        if (cols == 0) return;
        var job = new LayerNormJob(x.Data, residual.Data, gamma.Data, beta.Data, y.Data, mean.Data, rstd.Data, cols, eps);
        _pool.For(rows, 5L * cols, ref job);
    }

    /// <summary>Rows [start, end) of <see cref="LayerNormRow"/> (residual may be null).</summary>
    private readonly struct LayerNormJob(float* x, float* residual, float* gamma, float* beta, float* y, float* mean, float* rstd, int cols, float eps)
        : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                long at = (long)r * cols;
                LayerNormRow(x + at, residual == null ? null : residual + at, gamma, beta, y + at, cols, eps, out mean[r], out rstd[r]);
            }
        }
    }

    // dy, x [R, C]; gamma [C]; mean, rstd [R]; dx [R, C], dgamma, dbeta [C] (each optional, added into)
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor? dx, Tensor? dgamma, Tensor? dbeta)
    {
        var (rows, cols) = NormalizationShape.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dgamma, dbeta);
        LayerNormBackward(dy.Data, x.Data, null, gamma.Data, mean.Data, rstd.Data, rows, cols,
            dx == null ? null : dx.Data, null, dgamma == null ? null : dgamma.Data, dbeta == null ? null : dbeta.Data);
    }

    // dy, x, residual [R, C]; gamma [C]; mean, rstd [R]; dx, dresidual [R, C], dgamma, dbeta [C] (each optional, added into)
    public void AddLayerNormBackward(Tensor dy, Tensor x, Tensor residual, Tensor gamma, Tensor mean, Tensor rstd,
        Tensor? dx, Tensor? dresidual, Tensor? dgamma, Tensor? dbeta)
    {
        var (rows, cols) = NormalizationShape.AddLayerNormBackward(dy, x, residual, gamma, mean, rstd, dx, dresidual, dgamma, dbeta);
        LayerNormBackward(dy.Data, x.Data, residual.Data, gamma.Data, mean.Data, rstd.Data, rows, cols,
            dx == null ? null : dx.Data, dresidual == null ? null : dresidual.Data,
            dgamma == null ? null : dgamma.Data, dbeta == null ? null : dbeta.Data);
    }

    /// <summary>
    /// The gradients of LayerNorm of x (+ residual when not null) over raw rows, shared by the plain and the fused
    /// residual forms: the input gradient g is added into dx and into dresidual. dy, x, residual, dx, dresidual
    /// [rows, cols]; gamma, dgamma, dbeta [cols]; mean, rstd [rows]; every output may be null.
    /// </summary>
    private void LayerNormBackward(float* dy, float* x, float* residual, float* gamma, float* mean, float* rstd, int rows, int cols,
        float* dx, float* dresidual, float* dgamma, float* dbeta)
    {
        if (dx != null || dresidual != null)
        {
            var rowJob = new LayerNormBackwardJob(dy, x, residual, gamma, mean, rstd, dx, dresidual, cols);
            _pool.For(rows, 6L * cols, ref rowJob);
        }
        if (dgamma != null || dbeta != null)
        {
            // Parallel over column blocks, never over rows: every column sums its rows in order on one thread,
            // so dgamma and dbeta are bitwise the same for any number of threads.
            var columnJob = new LayerNormParamGradsJob(dy, x, residual, mean, rstd, rows, cols, dgamma, dbeta);
            _pool.For((cols + LayerNormColumnBlock - 1) / LayerNormColumnBlock, 4L * rows * LayerNormColumnBlock, ref columnJob);
        }
    }

    /// <summary>Rows [start, end) of <see cref="LayerNormBackwardRow"/>.</summary>
    private readonly struct LayerNormBackwardJob(float* dy, float* x, float* residual, float* gamma, float* mean, float* rstd,
        float* dx, float* dresidual, int cols) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                long at = (long)r * cols;
                LayerNormBackwardRow(dy + at, x + at, residual == null ? null : residual + at, gamma, mean[r], rstd[r],
                    dx == null ? null : dx + at, dresidual == null ? null : dresidual + at, cols);
            }
        }
    }

    /// <summary>Column blocks [start, end) of <see cref="LayerNormParamGrads"/>.</summary>
    private readonly struct LayerNormParamGradsJob(float* dy, float* x, float* residual, float* mean, float* rstd, int rows, int cols,
        float* dgamma, float* dbeta) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int blk = start; blk < end; blk++)
            {
                int c0 = blk * LayerNormColumnBlock, c1 = Math.Min(cols, c0 + LayerNormColumnBlock);
                LayerNormParamGrads(dy, x, residual, mean, rstd, rows, cols, c0, c1, dgamma, dbeta);
            }
        }
    }

    /// <summary>x[i] + residual[i], or x[i] when residual is null: the LayerNorm input of the fused form, formed
    /// the same way (one fp32 addition) wherever it is needed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Input(float* x, float* residual, int i) =>
        residual == null ? Vector256.Load(x + i) : Vector256.Load(x + i) + Vector256.Load(residual + i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Input1(float* x, float* residual, int i) => residual == null ? x[i] : x[i] + residual[i];

    // x, y [R, C]
    public void Softmax(Tensor x, Tensor y)
    {
        var (rows, cols) = NormalizationShape.Softmax(x, y);
        if (cols == 0) return;
        var job = new SoftmaxJob(x.Data, y.Data, cols);
        _pool.For(rows, 3L * cols, ref job);
    }

    // y, dy, dx [R, C]
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var (rows, cols) = NormalizationShape.SoftmaxBackward(y, dy, dx);
        var job = new SoftmaxBackwardJob(y.Data, dy.Data, dx.Data, cols);
        _pool.For(rows, 3L * cols, ref job);
    }

    /// <summary>Rows [start, end) of a softmax.</summary>
    private readonly struct SoftmaxJob(float* x, float* y, int cols) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++) RowMath.Softmax(x + (long)r * cols, y + (long)r * cols, cols);
        }
    }

    /// <summary>Rows [start, end) of <see cref="SoftmaxBackwardRow"/>.</summary>
    private readonly struct SoftmaxBackwardJob(float* y, float* dy, float* dx, int cols) : IRangeJob
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++) SoftmaxBackwardRow(y + (long)r * cols, dy + (long)r * cols, dx + (long)r * cols, cols);
        }
    }

    /// <summary>
    /// One row: y = (x − mean) · rstd · gamma + beta with x = x + residual when residual is not null, two passes
    /// over x − shift with shift = x[0]. Subtracting an element first removes a large common offset exactly
    /// (x − shift is exact when x is within a factor 2 of shift), so the fp32 sums see only the spread; the
    /// variance is Σ (x − mean)² of the centred values, never E[x²] − E[x]². x, residual, y [n]; gamma, beta [n].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerNormRow(float* x, float* residual, float* gamma, float* beta, float* y, int n, float eps,
        out float mean, out float rstd)
    {
        float shift = Input1(x, residual, 0);
        var vShift = Vector256.Create(shift);
        var acc = Vector256<float>.Zero;
        int i = 0;
        for (; i + 8 <= n; i += 8) acc += Input(x, residual, i) - vShift;
        float sum = Vector256.Sum(acc);
        for (; i < n; i++) sum += Input1(x, residual, i) - shift;
        float m = sum / n;   // mean of x − shift

        var vm = Vector256.Create(m);
        acc = Vector256<float>.Zero;
        for (i = 0; i + 8 <= n; i += 8)
        {
            var d = Input(x, residual, i) - vShift - vm;
            acc = Vector256.FusedMultiplyAdd(d, d, acc);
        }
        float squares = Vector256.Sum(acc);
        for (; i < n; i++)
        {
            float d = Input1(x, residual, i) - shift - m;
            squares = MathF.FusedMultiplyAdd(d, d, squares);
        }
        float r = 1f / MathF.Sqrt(squares / n + eps);

        var vr = Vector256.Create(r);
        for (i = 0; i + 8 <= n; i += 8)
        {
            var xhat = (Input(x, residual, i) - vShift - vm) * vr;
            Vector256.Store(Vector256.FusedMultiplyAdd(xhat, Vector256.Load(gamma + i), Vector256.Load(beta + i)), y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd((Input1(x, residual, i) - shift - m) * r, gamma[i], beta[i]);
        mean = shift + m;
        rstd = r;
    }

    /// <summary>
    /// One row of g = rstd · (dy·gamma − mean(dy·gamma) − x̂ · mean(dy·gamma · x̂)) with x̂ = (x − mean) · rstd
    /// (x = x + residual when residual is not null), added into dx and into dresidual (either may be null).
    /// dy, x, residual, dx, dresidual [n]; gamma [n].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerNormBackwardRow(float* dy, float* x, float* residual, float* gamma, float mean, float rstd,
        float* dx, float* dresidual, int n)
    {
        var vMean = Vector256.Create(mean);
        var vRstd = Vector256.Create(rstd);
        var accG = Vector256<float>.Zero;
        var accGx = Vector256<float>.Zero;
        int i = 0;
        for (; i + 8 <= n; i += 8)
        {
            var g = Vector256.Load(dy + i) * Vector256.Load(gamma + i);
            accG += g;
            accGx = Vector256.FusedMultiplyAdd(g, (Input(x, residual, i) - vMean) * vRstd, accGx);
        }
        float sumG = Vector256.Sum(accG), sumGx = Vector256.Sum(accGx);
        for (; i < n; i++)
        {
            float g = dy[i] * gamma[i];
            sumG += g;
            sumGx = MathF.FusedMultiplyAdd(g, (Input1(x, residual, i) - mean) * rstd, sumGx);
        }
        float meanG = sumG / n, meanGx = sumGx / n;

        var vMeanG = Vector256.Create(meanG);
        var vMeanGx = Vector256.Create(meanGx);
        for (i = 0; i + 8 <= n; i += 8)
        {
            var g = Vector256.Load(dy + i) * Vector256.Load(gamma + i);
            var xhat = (Input(x, residual, i) - vMean) * vRstd;
            var inner = g - vMeanG - xhat * vMeanGx;
            if (dx != null) Vector256.Store(Vector256.FusedMultiplyAdd(vRstd, inner, Vector256.Load(dx + i)), dx + i);
            if (dresidual != null) Vector256.Store(Vector256.FusedMultiplyAdd(vRstd, inner, Vector256.Load(dresidual + i)), dresidual + i);
        }
        for (; i < n; i++)
        {
            float xhat = (Input1(x, residual, i) - mean) * rstd;
            float inner = dy[i] * gamma[i] - meanG - xhat * meanGx;
            if (dx != null) dx[i] = MathF.FusedMultiplyAdd(rstd, inner, dx[i]);
            if (dresidual != null) dresidual[i] = MathF.FusedMultiplyAdd(rstd, inner, dresidual[i]);
        }
    }

    /// <summary>
    /// Columns [c0, c1) of dgamma += Σ_r dy · x̂ and dbeta += Σ_r dy, adding row after row straight into the
    /// outputs (either may be null); x = x + residual when residual is not null. dy, x, residual [rows, cols];
    /// mean, rstd [rows]; dgamma, dbeta [cols].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LayerNormParamGrads(float* dy, float* x, float* residual, float* mean, float* rstd, int rows, int cols,
        int c0, int c1, float* dgamma, float* dbeta)
    {
        for (int r = 0; r < rows; r++)
        {
            long at = (long)r * cols;
            float* dyr = dy + at, xr = x + at, rr = residual == null ? null : residual + at;
            float m = mean[r], rs = rstd[r];
            var vm = Vector256.Create(m);
            var vr = Vector256.Create(rs);
            int j = c0;
            for (; j + 8 <= c1; j += 8)
            {
                var g = Vector256.Load(dyr + j);
                if (dgamma != null)
                    Vector256.Store(Vector256.FusedMultiplyAdd(g, (Input(xr, rr, j) - vm) * vr, Vector256.Load(dgamma + j)), dgamma + j);
                if (dbeta != null) Vector256.Store(Vector256.Load(dbeta + j) + g, dbeta + j);
            }
            for (; j < c1; j++)
            {
                if (dgamma != null) dgamma[j] = MathF.FusedMultiplyAdd(dyr[j], (Input1(xr, rr, j) - m) * rs, dgamma[j]);
                if (dbeta != null) dbeta[j] += dyr[j];
            }
        }
    }

    /// <summary>One row of dx += y · (dy − Σ dy · y). y, dy, dx [n].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SoftmaxBackwardRow(float* y, float* dy, float* dx, int n)
    {
        float dot = RowMath.Dot(dy, y, n);
        var vDot = Vector256.Create(dot);
        int i = 0;
        for (; i + 8 <= n; i += 8)
            Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(y + i), Vector256.Load(dy + i) - vDot, Vector256.Load(dx + i)), dx + i);
        for (; i < n; i++) dx[i] = MathF.FusedMultiplyAdd(y[i], dy[i] - dot, dx[i]);
    }
}
