namespace BertCore.Backends.Cpu;

/// <summary>
/// A block of op(B) packed for <see cref="GemmKernel"/>: the NR-column slivers from column J0 on, each the rows
/// from K0 on as [k, NR] (zero padded past the matrix's last column), sliver s at Data + s · SliverStride.
/// </summary>
internal readonly unsafe struct PackedPanel(float* data, long sliverStride, int j0, int k0)
{
    public float* Data => data;

    /// <summary>The packed [kc, NR] sliver of columns [j, j + NR) from row pc on (j a sliver boundary, pc ≥ K0).</summary>
    public float* Sliver(int j, int pc) => data + (j - j0) / GemmKernel.NR * sliverStride + (long)(pc - k0) * GemmKernel.NR;
}
