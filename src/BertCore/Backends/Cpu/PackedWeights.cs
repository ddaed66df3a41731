using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BertCore.Tensors;

namespace BertCore.Backends.Cpu;

/// <summary>
/// op(B) of constant tensors (<see cref="Tensor.IsConstant"/>: the weights of a model loaded for inference) packed
/// once for <see cref="Gemm"/>, the way ONNX Runtime pre-packs an inference session's weights: a product with such a
/// B skips packing it, which is most of a GEMM's overhead when op(A) has few rows (one sequence). Kept per tensor
/// and per transposition for as long as the tensor lives; safe to use from many threads (two threads that miss at
/// once both pack, one result is kept).
/// </summary>
internal sealed unsafe class PackedWeights
{
    private readonly ConditionalWeakTable<Tensor, Packed> _plain = new(), _transposed = new();

    /// <summary>The packed op(b) (b [K, N], or [N, K] when transB) when b is constant, else null.</summary>
    public Packed? For(WorkerPool pool, Tensor b, bool transB)
    {
        if (!b.IsConstant) return null;
        var table = transB ? _transposed : _plain;
        if (table.TryGetValue(b, out var packed)) return packed;
        packed = new Packed(pool, b, transB);
        return table.TryAdd(b, packed) ? packed : table.TryGetValue(b, out var other) ? other : packed;
    }

    /// <summary>All of op(B) [K, N] as NR-column slivers [ceil(N/NR), K, NR], zero padded; freed with this object.</summary>
    public sealed class Packed
    {
        private readonly float* _data;

        public Packed(WorkerPool pool, Tensor b, bool transB)
        {
            if (b.Shape.Rank != 2) throw new ArgumentException($"a packed GEMM operand must be a matrix, not {b.Shape}");
            int k = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
            int slivers = (n + GemmKernel.NR - 1) / GemmKernel.NR;
            _data = (float*)NativeMemory.AlignedAlloc((nuint)((long)slivers * GemmKernel.NR * Math.Max(k, 1) * sizeof(float)), 64);
            Panel = new PackedPanel(_data, (long)k * GemmKernel.NR, GemmKernel.NR, 0, 0);
            var job = new PackJob(new GemmProblem(null, false, b.Data, transB, null, null, 0f, null, 0, n, k), _data);
            pool.For(slivers, (long)k * GemmKernel.NR, ref job);
        }

        public PackedPanel Panel { get; }

        ~Packed() => NativeMemory.AlignedFree(_data);

        private readonly struct PackJob(GemmProblem p, float* dst) : IRangeJob
        {
            public void Run(int start, int end) => GemmPacking.PackB(p, 0, p.N, 0, p.K, dst, start, end);
        }
    }
}
