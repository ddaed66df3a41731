using BertCore.Tensors;

namespace BertCore.Autograd;

public sealed partial class Graph
{
    /// <summary>
    /// A scalar loss computed off the tape (on the host, say) together with its gradient with respect to each input:
    /// returns the loss [1], and backward adds upstream · gradient into each input that requires a gradient. How the
    /// distillation losses that the op set cannot express join the tape (Training/Distillation/HostDistillationLosses.cs).
    /// </summary>
    /// <param name="value">The loss.</param>
    /// <param name="gradients">Each input and d(loss)/d(input), of the input's element count.</param>
    /// <returns>[1].</returns>
    public Tensor PrecomputedLoss(float value, params ReadOnlySpan<(Tensor Input, float[] Gradient)> gradients)
    {
        var y = Arena.Allocate(OneElement);
        Backend.Upload([value], y);
        foreach (var (input, gradient) in gradients)
        {
            if (gradient.Length != input.Count)
                throw new ArgumentException($"PrecomputedLoss: {gradient.Length} gradient values for input {input.Shape}");
            if (!Tracks(input)) continue;
            var saved = Arena.Allocate(input.Shape);
            Backend.Upload(gradient, saved);
            Record(_precomputed, y, new PrecomputedGradientSaved(input, saved));
        }
        return y;
    }

    /// <summary>What a precomputed loss's backward needs for one input: the input and d(loss)/d(input), of its shape.</summary>
    private readonly record struct PrecomputedGradientSaved(Tensor Input, Tensor Gradient) : ISavedOp<PrecomputedGradientSaved>
    {
        public static void Backward(Graph graph, Tensor output, in PrecomputedGradientSaved s)
        {
            var dx = graph.GradOf(s.Input);
            if (dx == null) return;
            Span<float> upstream = stackalloc float[1];
            graph.Backend.Download(output.Grad!, upstream);
            graph.Backend.AddInto(s.Gradient, dx, upstream[0]);
        }
    }

    private readonly TapeSlots<PrecomputedGradientSaved> _precomputed = new();
}
