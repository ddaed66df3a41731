using ILGPU;
using ILGPU.Algorithms;

namespace BertCore.Kernels;

/// <summary>
/// LayerNorm and softmax: one warp per row, lanes striding over the columns, sums and maxima by warp shuffles
/// (<see cref="DeviceMath.WarpSum"/>). Launch: grid ceil(rows / (group / 32)), group a multiple of 32; warp w of
/// group g takes row g·(group / 32) + w.
/// </summary>
public static class NormalizationKernels
{
    private static int WarpRow() => Grid.IdxX * (Group.DimX / Warp.WarpSize) + Warp.WarpIdx;

    /// <summary>
    /// y = (s − mean)·rstd·gamma + beta with s = x (+ residual when hasResidual), two passes over s − s[0] (shifting
    /// by an element removes a large common offset exactly before the sums, as the CPU backend does).
    /// x, residual, y [rows, cols]; gamma, beta [cols]; mean, rstd [rows].
    /// </summary>
    public static void LayerNorm(ArrayView<float> x, ArrayView<float> residual, int hasResidual, ArrayView<float> gamma,
        ArrayView<float> beta, ArrayView<float> y, ArrayView<float> mean, ArrayView<float> rstd, int rows, int cols, float eps)
    {
        int r = WarpRow(), lane = Warp.LaneIdx;
        if (r >= rows) return;
        long row = (long)r * cols;
        float shift = Input(x, residual, hasResidual, row);
        float s = 0f;
        for (int c = lane; c < cols; c += Warp.WarpSize) s += Input(x, residual, hasResidual, row + c) - shift;
        float shiftedMean = DeviceMath.WarpSum(s) / cols;
        float q = 0f;
        for (int c = lane; c < cols; c += Warp.WarpSize)
        {
            float d = Input(x, residual, hasResidual, row + c) - shift - shiftedMean;
            q += d * d;
        }
        float inv = XMath.Rsqrt(DeviceMath.WarpSum(q) / cols + eps);
        // (s − shift) − shiftedMean, not s − mean: the rounded mean of values near 1000 is off by ~6e-5.
        for (int c = lane; c < cols; c += Warp.WarpSize)
            y[row + c] = (Input(x, residual, hasResidual, row + c) - shift - shiftedMean) * inv * gamma[c] + beta[c];
        if (lane == 0)
        {
            mean[r] = shift + shiftedMean;
            rstd[r] = inv;
        }
    }

    private static float Input(ArrayView<float> x, ArrayView<float> residual, int hasResidual, long at) =>
        hasResidual != 0 ? x[at] + residual[at] : x[at];

    /// <summary>
    /// The input gradient of LayerNorm: with x̂ = (s − mean)·rstd and g = dy·gamma, ds = rstd·(g − mean(g) − x̂·mean(g·x̂)),
    /// added into dx when hasDx and into dresidual when hasDresidual. dy, x, residual, dx, dresidual [rows, cols];
    /// gamma [cols]; mean, rstd [rows].
    /// </summary>
    public static void LayerNormBackward(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> residual, int hasResidual,
        ArrayView<float> gamma, ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> dx, int hasDx,
        ArrayView<float> dresidual, int hasDresidual, int rows, int cols)
    {
        int r = WarpRow(), lane = Warp.LaneIdx;
        if (r >= rows) return;
        long row = (long)r * cols;
        float mu = mean[r], inv = rstd[r];
        float sg = 0f, sgx = 0f;
        for (int c = lane; c < cols; c += Warp.WarpSize)
        {
            float g = dy[row + c] * gamma[c];
            sg += g;
            sgx += g * (Input(x, residual, hasResidual, row + c) - mu) * inv;
        }
        float meanG = DeviceMath.WarpSum(sg) / cols, meanGx = DeviceMath.WarpSum(sgx) / cols;
        for (int c = lane; c < cols; c += Warp.WarpSize)
        {
            float xhat = (Input(x, residual, hasResidual, row + c) - mu) * inv;
            float d = inv * (dy[row + c] * gamma[c] - meanG - xhat * meanGx);
            if (hasDx != 0) dx[row + c] += d;
            if (hasDresidual != 0) dresidual[row + c] += d;
        }
    }

    /// <summary>
    /// Stage 1 of dgamma[c] += Σ_r dy·x̂ and dbeta[c] += Σ_r dy with x̂ = (s − mean)·rstd: the chunk partial sums of
    /// <see cref="ReductionColumnKernels"/> (same layout and order), dy·x̂ into partials[0, k, c] and dy into
    /// partials[1, k, c]; <see cref="ReductionColumnKernels.AddColumnSums"/> finishes each. dy, x, residual [rows, cols];
    /// mean, rstd [rows]; partials [2, chunks, cols] with chunks = ReductionColumnKernels.Chunks(rows).
    /// Launch: grid (ceil(cols / 32), chunks), group ReductionColumnKernels.Threads.
    /// </summary>
    public static void LayerNormParamPartials(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> residual, int hasResidual,
        ArrayView<float> mean, ArrayView<float> rstd, ArrayView<float> partials, int rows, int cols)
    {
        var gammaLanes = SharedMemory.Allocate<float>(ReductionColumnKernels.Threads);
        var betaLanes = SharedMemory.Allocate<float>(ReductionColumnKernels.Threads);
        int colLane = Group.IdxX % ReductionColumnKernels.ColumnLanes, rowLane = Group.IdxX / ReductionColumnKernels.ColumnLanes;
        int c = Grid.IdxX * ReductionColumnKernels.ColumnLanes + colLane;
        int r = Grid.IdxY * ReductionColumnKernels.ChunkRows + rowLane;
        float sg = 0f, sb = 0f;
        if (c < cols)
        {
            // Rows r, r + 8, .., r + 56 unrolled by hand: eight independent loads in flight per thread.
            sg = DyXHat(dy, x, residual, hasResidual, mean, rstd, r, rows, cols, c);
            sb = Dy(dy, r, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 8, rows, cols, c);
            sb += Dy(dy, r + 8, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 16, rows, cols, c);
            sb += Dy(dy, r + 16, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 24, rows, cols, c);
            sb += Dy(dy, r + 24, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 32, rows, cols, c);
            sb += Dy(dy, r + 32, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 40, rows, cols, c);
            sb += Dy(dy, r + 40, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 48, rows, cols, c);
            sb += Dy(dy, r + 48, rows, cols, c);
            sg += DyXHat(dy, x, residual, hasResidual, mean, rstd, r + 56, rows, cols, c);
            sb += Dy(dy, r + 56, rows, cols, c);
        }
        gammaLanes[Group.IdxX] = sg;
        betaLanes[Group.IdxX] = sb;
        Group.Barrier();
        if (rowLane != 0 || c >= cols) return;
        long at = (long)Grid.IdxY * cols + c, half = (long)Grid.DimY * cols;
        partials[at] = ReductionColumnKernels.SumRowLanes(gammaLanes, colLane);
        partials[half + at] = ReductionColumnKernels.SumRowLanes(betaLanes, colLane);
    }

    /// <summary>dy[r, c]·x̂[r, c], or 0 past the last row.</summary>
    private static float DyXHat(ArrayView<float> dy, ArrayView<float> x, ArrayView<float> residual, int hasResidual,
        ArrayView<float> mean, ArrayView<float> rstd, int r, int rows, int cols, int c)
    {
        if (r >= rows) return 0f;
        long at = (long)r * cols + c;
        return dy[at] * (Input(x, residual, hasResidual, at) - mean[r]) * rstd[r];
    }

    /// <summary>dy[r, c], or 0 past the last row.</summary>
    private static float Dy(ArrayView<float> dy, int r, int rows, int cols, int c) => r < rows ? dy[(long)r * cols + c] : 0f;

    /// <summary>y = softmax(x) per row, max subtracted. x, y [rows, cols].</summary>
    public static void Softmax(ArrayView<float> x, ArrayView<float> y, int rows, int cols)
    {
        int r = WarpRow(), lane = Warp.LaneIdx;
        if (r >= rows) return;
        long row = (long)r * cols;
        float m = float.NegativeInfinity;
        for (int c = lane; c < cols; c += Warp.WarpSize) m = XMath.Max(m, x[row + c]);
        m = DeviceMath.WarpMax(m);
        float s = 0f;
        for (int c = lane; c < cols; c += Warp.WarpSize) s += XMath.Exp(x[row + c] - m);
        float inv = 1f / DeviceMath.WarpSum(s);
        for (int c = lane; c < cols; c += Warp.WarpSize) y[row + c] = XMath.Exp(x[row + c] - m) * inv;
    }

    /// <summary>dx += y·(dy − Σ dy·y) per row. y, dy, dx [rows, cols].</summary>
    public static void SoftmaxBackward(ArrayView<float> y, ArrayView<float> dy, ArrayView<float> dx, int rows, int cols)
    {
        int r = WarpRow(), lane = Warp.LaneIdx;
        if (r >= rows) return;
        long row = (long)r * cols;
        float s = 0f;
        for (int c = lane; c < cols; c += Warp.WarpSize) s += dy[row + c] * y[row + c];
        s = DeviceMath.WarpSum(s);
        for (int c = lane; c < cols; c += Warp.WarpSize) dx[row + c] += y[row + c] * (dy[row + c] - s);
    }
}
