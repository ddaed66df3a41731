using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

public sealed unsafe partial class CpuBackend
{
    private const int SumRowsColumnChunk = 256;

    /// <summary>op(B) of constant weights, packed on first use.</summary>
    private readonly PackedWeights _packedWeights = new();

    // a [batch..., M, K] ([..., K, M] if transA); b [batch..., K, N] ([..., N, K] if transB) or a shared [K, N] ([N, K]);
    // c [batch..., M, N]; bias [N] or null; geluOut [batch..., M, N] or null.
    public void MatMul(Tensor a, bool transA, Tensor b, bool transB, Tensor c, Tensor? bias = null, float beta = 0f, Tensor? geluOut = null)
    {
        var s = MatMulShape.Of(a, transA, b, transB, c, bias, geluOut);
        int batch = s.Batch, m = s.M;
        if (s.BroadcastB && !transA)
        {
            // The batch's row-major A matrices stacked are one [batch·M, K] matrix against the shared B.
            m = checked(m * batch);
            batch = 1;
        }
        var p = new GemmProblem(a.Data, transA, b.Data, transB, c.Data, bias == null ? null : bias.Data, beta,
            geluOut == null ? null : geluOut.Data, m, s.N, s.K);
        bool sharedB = b.Shape.Rank == 2;   // one matrix for the whole batch (or a batch of one)
        var packedB = sharedB ? _packedWeights.For(_pool, b, transB) : null;
        Gemm.RunBatched(_pool, p, batch, aStride: (long)m * s.K, bStride: sharedB ? 0 : (long)s.K * s.N, packedB, _wideTiles);
    }

    // dy [R, N]; dbias [N].
    public void SumRowsInto(Tensor dy, Tensor dbias)
    {
        var (rows, n) = MatMulShape.SumRowsInto(dy, dbias);
        // Threads take blocks of columns, never rows: each column sums its rows in order on one thread.
        var job = new SumColumnsJob(dy.Data, dbias.Data, rows, n);
        _pool.For((n + SumRowsColumnChunk - 1) / SumRowsColumnChunk, rows * SumRowsColumnChunk, ref job);
    }

    /// <summary>Column blocks [start, end) of <see cref="SumColumns"/>.</summary>
    private readonly struct SumColumnsJob(float* dy, float* dbias, long rows, int n) : IRangeJob
    {
        public void Run(int start, int end) =>
            SumColumns(dy, dbias, rows, n, start * SumRowsColumnChunk, Math.Min(n, end * SumRowsColumnChunk));
    }

    /// <summary>dbias[j] += Σ_r dy[r, j] for j in [j0, j1), each column summed in row order (deterministic).
    /// dy [rows, n]; dbias [n].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SumColumns(float* dy, float* dbias, long rows, int n, int j0, int j1)
    {
        int j = j0;
        for (; j + 32 <= j1; j += 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            float* row = dy + j;
            for (long r = 0; r < rows; r++, row += n)
            {
                s0 += Vector256.Load(row);
                s1 += Vector256.Load(row + 8);
                s2 += Vector256.Load(row + 16);
                s3 += Vector256.Load(row + 24);
            }
            Vector256.Store(Vector256.Load(dbias + j) + s0, dbias + j);
            Vector256.Store(Vector256.Load(dbias + j + 8) + s1, dbias + j + 8);
            Vector256.Store(Vector256.Load(dbias + j + 16) + s2, dbias + j + 16);
            Vector256.Store(Vector256.Load(dbias + j + 24) + s3, dbias + j + 24);
        }
        for (; j + 8 <= j1; j += 8)
        {
            var s = Vector256<float>.Zero;
            float* row = dy + j;
            for (long r = 0; r < rows; r++, row += n) s += Vector256.Load(row);
            Vector256.Store(Vector256.Load(dbias + j) + s, dbias + j);
        }
        for (; j < j1; j++)
        {
            float s = 0f;
            float* row = dy + j;
            for (long r = 0; r < rows; r++, row += n) s += *row;
            dbias[j] += s;
        }
    }
}
