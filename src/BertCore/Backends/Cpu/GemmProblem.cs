namespace BertCore.Backends.Cpu;

/// <summary>
/// One single-matrix GEMM over row-major memory: C = op(A)·op(B) + bias + Beta·C, then GeluOut = gelu(C) when
/// GeluOut is set. A [M, K] ([K, M] when TransA); B [K, N] ([N, K] when TransB); C, GeluOut [M, N]; Bias [N].
/// Rows are Lda, Ldb and Ldc floats apart. Beta = 0 never reads C.
/// </summary>
internal readonly unsafe struct GemmProblem
{
    public readonly float* A, B, C, Bias, GeluOut;
    public readonly bool TransA, TransB;
    public readonly float Beta;
    public readonly int M, N, K;
    public readonly long Lda, Ldb, Ldc;

    /// <summary>A problem over whole, contiguous matrices.</summary>
    public GemmProblem(float* a, bool transA, float* b, bool transB, float* c, float* bias, float beta, float* geluOut, int m, int n, int k)
        : this(a, transA, b, transB, c, bias, beta, geluOut, m, n, k, transA ? m : k, transB ? k : n, n)
    {
    }

    /// <summary>Only the operands, for packing blocks of strided matrices: A [M, K] ([K, M] when transA) with rows lda
    /// floats apart, B [K, N] ([N, K] when transB) with rows ldb apart; either may be null when only the other is packed.</summary>
    public static GemmProblem Operands(float* a, bool transA, long lda, float* b, bool transB, long ldb, int m, int n, int k) =>
        new(a, transA, b, transB, null, null, 0f, null, m, n, k, lda, ldb, 0);

    private GemmProblem(float* a, bool transA, float* b, bool transB, float* c, float* bias, float beta, float* geluOut,
        int m, int n, int k, long lda, long ldb, long ldc)
    {
        A = a;
        B = b;
        C = c;
        Bias = bias;
        GeluOut = geluOut;
        TransA = transA;
        TransB = transB;
        Beta = beta;
        M = m;
        N = n;
        K = k;
        Lda = lda;
        Ldb = ldb;
        Ldc = ldc;
    }

    /// <summary>op(A)[i, p].</summary>
    public float* AAt(int i, int p) => TransA ? A + p * Lda + i : A + i * Lda + p;

    /// <summary>op(B)[p, j].</summary>
    public float* BAt(int p, int j) => TransB ? B + j * Ldb + p : B + p * Ldb + j;

    /// <summary>C[i, j] (the same offset addresses GeluOut).</summary>
    public long COffset(int i, int j) => i * Ldc + j;

    /// <summary>The problem of batch entry i of contiguous matrices: A advanced by i·aStride, B by i·bStride,
    /// C and GeluOut by i·M·N.</summary>
    public GemmProblem Advance(int i, long aStride, long bStride)
    {
        long cOffset = (long)M * N * i;
        return new(A + i * aStride, TransA, B + i * bStride, TransB, C + cOffset, Bias, Beta,
            GeluOut == null ? null : GeluOut + cOffset, M, N, K, Lda, Ldb, Ldc);
    }
}
