using ILGPU;

namespace BertCore.Kernels;

/// <summary>Sizes and options of one <see cref="MatMulKernels.Tiled"/> launch.</summary>
/// <param name="M">Rows of c.</param>
/// <param name="N">Columns of c.</param>
/// <param name="K">The inner dimension.</param>
/// <param name="TransA">1: a is stored [K, M]; 0: [M, K].</param>
/// <param name="TransB">1: b is stored [N, K]; 0: [K, N].</param>
/// <param name="StrideA">Elements between consecutive batch matrices of a.</param>
/// <param name="StrideB">Elements between consecutive batch matrices of b (0: one b shared by every batch).</param>
/// <param name="StrideC">Elements between consecutive batch matrices of c (and geluOut).</param>
/// <param name="Beta">c = product + bias + Beta·c (c is not read when Beta is 0).</param>
/// <param name="HasBias">1: add bias[j] to column j.</param>
/// <param name="Gelu">1: also write gelu(c) into geluOut.</param>
/// <param name="VectorA">1: a's contiguous dimension (K, or M if TransA), its offset and StrideA are multiples of 4, so
/// <see cref="MatMulLargeTileKernels"/> reads it in 16-byte loads (ignored by <see cref="MatMulKernels.Tiled"/>).</param>
/// <param name="VectorB">The same for b (contiguous dimension N, or K if TransB).</param>
/// <param name="LdA">Elements between consecutive stored rows of a in <see cref="MatMulLargeTileKernels"/> (K, or M if TransA,
/// unless a is a K-slice of a wider matrix in a split-K launch).</param>
/// <param name="LdB">The same for b (N, or K if TransB).</param>
/// <param name="SplitDepth">0: grid Z runs over the batch. Otherwise (split-K, one product, <see cref="MatMulLargeTileKernels"/>
/// only) grid Z runs over K-slices of this depth, a multiple of 4: group z multiplies k in z·SplitDepth .. and writes its
/// partial product to c + z·StrideC.</param>
public readonly record struct GemmParams(int M, int N, int K, int TransA, int TransB, long StrideA, long StrideB, long StrideC,
    float Beta, int HasBias, int Gelu, int VectorA = 0, int VectorB = 0, int LdA = 0, int LdB = 0, int SplitDepth = 0);

/// <summary>
/// fp32 GEMM, c = op(a)·op(b) (+ bias) (+ beta·c), then optionally geluOut = gelu(c); batched over the grid's Z
/// dimension with element strides. One group of 256 threads computes a 64×64 tile of c: both operand tiles pass
/// through shared memory in slices of 8 along K, and each thread keeps a 4×4 block of c in registers (rows
/// ty + 16·r, columns tx + 16·s, so that a warp's shared-memory reads are broadcasts or consecutive and its stores
/// to c are coalesced). The inner loop is unrolled by hand (ILGPU 1.5.3 does not unroll loops).
/// Launch: grid (ceil(N/64), ceil(M/64), batch), group 256.
/// </summary>
public static class MatMulKernels
{
    public const int Tile = 64;
    public const int Slice = 8;
    public const int Threads = 256;

    // a [batch, M, K] ([batch, K, M] if TransA); b [batch, K, N] ([batch, N, K] if TransB) or one shared matrix;
    // c, geluOut [batch, M, N]; bias [N] (ignored unless HasBias).
    public static void Tiled(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> bias,
        ArrayView<float> geluOut, GemmParams p)
    {
        var aTile = SharedMemory.Allocate<float>(Slice * Tile);   // [Slice, Tile]: aTile[k·64 + row]
        var bTile = SharedMemory.Allocate<float>(Slice * Tile);   // [Slice, Tile]: bTile[k·64 + col]
        int t = Group.IdxX, tx = t % 16, ty = t / 16;
        int row0 = Grid.IdxY * Tile, col0 = Grid.IdxX * Tile;
        long aBase = Grid.IdxZ * p.StrideA, bBase = Grid.IdxZ * p.StrideB, cBase = Grid.IdxZ * p.StrideC;

        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;

        for (int k0 = 0; k0 < p.K; k0 += Slice)
        {
            // 512 elements of each tile, two per thread; the fast thread index runs along the stored rows.
            for (int e = t; e < Slice * Tile; e += Threads)
            {
                int r, k;
                if (p.TransA != 0) { k = e / Tile; r = e % Tile; } else { r = e / Slice; k = e % Slice; }
                int gr = row0 + r, gk = k0 + k;
                aTile[k * Tile + r] = gr < p.M && gk < p.K
                    ? a[aBase + (p.TransA != 0 ? (long)gk * p.M + gr : (long)gr * p.K + gk)]
                    : 0f;
                int col;
                if (p.TransB != 0) { col = e / Slice; k = e % Slice; } else { k = e / Tile; col = e % Tile; }
                int gc = col0 + col;
                gk = k0 + k;
                bTile[k * Tile + col] = gc < p.N && gk < p.K
                    ? b[bBase + (p.TransB != 0 ? (long)gc * p.K + gk : (long)gk * p.N + gc)]
                    : 0f;
            }
            Group.Barrier();
            for (int k = 0; k < Slice; k++)
            {
                int ak = k * Tile + ty, bk = k * Tile + tx;
                float a0 = aTile[ak], a1 = aTile[ak + 16], a2 = aTile[ak + 32], a3 = aTile[ak + 48];
                float b0 = bTile[bk], b1 = bTile[bk + 16], b2 = bTile[bk + 32], b3 = bTile[bk + 48];
                c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
                c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
                c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
                c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            }
            Group.Barrier();
        }

        int i0 = row0 + ty, j0 = col0 + tx;
        Store(c, bias, geluOut, p, cBase, i0, j0, c00); Store(c, bias, geluOut, p, cBase, i0, j0 + 16, c01);
        Store(c, bias, geluOut, p, cBase, i0, j0 + 32, c02); Store(c, bias, geluOut, p, cBase, i0, j0 + 48, c03);
        Store(c, bias, geluOut, p, cBase, i0 + 16, j0, c10); Store(c, bias, geluOut, p, cBase, i0 + 16, j0 + 16, c11);
        Store(c, bias, geluOut, p, cBase, i0 + 16, j0 + 32, c12); Store(c, bias, geluOut, p, cBase, i0 + 16, j0 + 48, c13);
        Store(c, bias, geluOut, p, cBase, i0 + 32, j0, c20); Store(c, bias, geluOut, p, cBase, i0 + 32, j0 + 16, c21);
        Store(c, bias, geluOut, p, cBase, i0 + 32, j0 + 32, c22); Store(c, bias, geluOut, p, cBase, i0 + 32, j0 + 48, c23);
        Store(c, bias, geluOut, p, cBase, i0 + 48, j0, c30); Store(c, bias, geluOut, p, cBase, i0 + 48, j0 + 16, c31);
        Store(c, bias, geluOut, p, cBase, i0 + 48, j0 + 32, c32); Store(c, bias, geluOut, p, cBase, i0 + 48, j0 + 48, c33);
    }

    /// <summary>The epilogue of one element: bias, beta·c, then gelu into geluOut.</summary>
    internal static void Store(ArrayView<float> c, ArrayView<float> bias, ArrayView<float> geluOut, in GemmParams p, long cBase,
        int i, int j, float value)
    {
        if (i >= p.M || j >= p.N) return;
        long at = cBase + (long)i * p.N + j;
        if (p.HasBias != 0) value += bias[j];
        if (p.Beta != 0f) value += p.Beta * c[at];
        c[at] = value;
        if (p.Gelu != 0) geluOut[at] = DeviceMath.Gelu(value);
    }
}
