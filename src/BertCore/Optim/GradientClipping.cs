using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>Clipping by the global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>Most per-parameter sums read back at once (the host buffer lives on the stack).</summary>
    public const int MaxSumsPerReadBack = 256;

    /// <summary>
    /// The L2 norm of all trainable parameters' gradients taken together. <paramref name="scratch"/> is an fp32
    /// tensor [n] of the backend: each parameter's sum of squares goes into its own slot and the host reads back
    /// min(n, <see cref="MaxSumsPerReadBack"/>) sums at a time (one synchronization per step on a GPU when n covers
    /// the parameters), adding them in parameter order in double precision whatever n is.
    /// </summary>
    public static double GlobalNorm(IBackend backend, IEnumerable<Parameter> parameters, Tensor scratch)
    {
        int slots = (int)Math.Min(scratch.Count, MaxSumsPerReadBack), used = 0;
        double sum = 0;
        Span<float> host = stackalloc float[slots];
        foreach (var p in parameters)
        {
            if (!p.Trainable) continue;
            backend.SumOfSquares(p.Grad, scratch.SliceRows(used++, 1));
            if (used == slots) sum += ReadBack(backend, scratch, host, ref used);
        }
        return Math.Sqrt(sum + ReadBack(backend, scratch, host, ref used));
    }

    /// <summary>The sum, in order, of the first <paramref name="used"/> slots of scratch; empties them.</summary>
    private static double ReadBack(IBackend backend, Tensor scratch, Span<float> host, ref int used)
    {
        if (used == 0) return 0;
        backend.Download(scratch.SliceRows(0, used), host[..used]);
        double sum = 0;
        foreach (float s in host[..used]) sum += s;
        used = 0;
        return sum;
    }

    /// <summary>A scratch tensor for <see cref="GlobalNorm"/> with one slot per parameter (trainable or not: the
    /// trainable set may grow, e.g. gradual unfreezing), at least one and at most <see cref="MaxSumsPerReadBack"/>.</summary>
    public static Tensor NormScratch(IBackend backend, IEnumerable<Parameter> parameters)
    {
        int n = Math.Clamp(parameters.Count(), 1, MaxSumsPerReadBack);
        return new Tensor(backend.Allocate(n * sizeof(float)), 0, new Shape(n), DType.F32, ownsStorage: true);
    }

    /// <summary>
    /// The factor to multiply gradients by so that their global norm is at most <paramref name="maxNorm"/>:
    /// min(1, maxNorm / (norm + 1e-6)), torch's formula. Pass it to <see cref="AdamW.Step"/> as gradScale.
    /// </summary>
    public static float ScaleFor(double norm, double maxNorm) =>
        maxNorm <= 0 ? 1f : (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
}
