using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Tensors;

namespace BertCore.Optim;

/// <summary>Clipping by the global L2 norm of all gradients, as torch.nn.utils.clip_grad_norm_.</summary>
public static class GradientClipping
{
    /// <summary>The L2 norm of all trainable parameters' gradients taken together.</summary>
    public static double GlobalNorm(IBackend backend, IEnumerable<Parameter> parameters, Tensor scratch)
    {
        double sum = 0;
        Span<float> host = stackalloc float[1];
        foreach (var p in parameters)
        {
            if (!p.Trainable) continue;
            backend.SumOfSquares(p.Grad, scratch);
            backend.Download(scratch, host);
            sum += host[0];
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// The factor to multiply gradients by so that their global norm is at most <paramref name="maxNorm"/>:
    /// min(1, maxNorm / (norm + 1e-6)), torch's formula. Pass it to <see cref="AdamW.Step"/> as gradScale.
    /// </summary>
    public static float ScaleFor(double norm, double maxNorm) =>
        maxNorm <= 0 ? 1f : (float)Math.Min(1.0, maxNorm / (norm + 1e-6));
}
