namespace BertCore.Backends.Cpu;

/// <summary>
/// A block of a GEMM operand packed for <see cref="GemmKernel"/>: slivers of <c>unit</c> rows of op(A) (unit MR) or
/// columns of op(B) (unit NR) from index I0 on, each holding k from K0 on as [k, unit] (zero padded past the
/// matrix's edge), sliver s at Data + s · SliverStride.
/// </summary>
internal readonly unsafe struct PackedPanel(float* data, long sliverStride, int unit, int i0, int k0)
{
    public float* Data => data;

    /// <summary>The packed [kc, unit] sliver that starts at row or column i (a sliver boundary) and at k = pc (≥ K0).</summary>
    public float* Sliver(int i, int pc) => data + (i - i0) / unit * sliverStride + (long)(pc - k0) * unit;
}
