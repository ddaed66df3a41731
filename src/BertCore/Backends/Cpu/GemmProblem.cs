namespace BertCore.Backends.Cpu;

/// <summary>
/// One single-matrix GEMM over contiguous row-major memory: C = op(A)·op(B) + bias + Beta·C, then GeluOut = gelu(C)
/// when GeluOut is set. A [M, K] ([K, M] when TransA); B [K, N] ([N, K] when TransB); C, GeluOut [M, N]; Bias [N].
/// Beta = 0 never reads C.
/// </summary>
internal readonly unsafe struct GemmProblem(
    float* a, bool transA, float* b, bool transB, float* c, float* bias, float beta, float* geluOut, int m, int n, int k)
{
    public readonly float* A = a, B = b, C = c, Bias = bias, GeluOut = geluOut;
    public readonly bool TransA = transA, TransB = transB;
    public readonly float Beta = beta;
    public readonly int M = m, N = n, K = k;

    /// <summary>op(A)[i, p].</summary>
    public float* AAt(int i, int p) => TransA ? A + (long)p * M + i : A + (long)i * K + p;

    /// <summary>op(B)[p, j].</summary>
    public float* BAt(int p, int j) => TransB ? B + (long)j * K + p : B + (long)p * N + j;

    /// <summary>C[i, j] (the same offset addresses GeluOut).</summary>
    public long COffset(int i, int j) => (long)i * N + j;

    /// <summary>The problem of batch entry i: A advanced by i·aStride, B by i·bStride, C and GeluOut by i·M·N.</summary>
    public GemmProblem Advance(int i, long aStride, long bStride)
    {
        long cOffset = (long)M * N * i;
        return new(A + i * aStride, TransA, B + i * bStride, TransB, C + cOffset, Bias, Beta,
            GeluOut == null ? null : GeluOut + cOffset, M, N, K);
    }
}
