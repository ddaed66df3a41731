using BertCore.IO;
using BertCore.Nn;
using Xunit.Sdk;

namespace BertCore.Tests.Support;

/// <summary>
/// Every parameter gradient of a model against a fixture's <c>grad.&lt;name&gt;</c> (written by the PyTorch scripts of
/// tools/reference through <c>bert_reference.reference_gradients</c>): each tensor within <see cref="Relative"/> of
/// its own largest |grad|, except the tensors whose gradient is mathematically zero, which the fixture stores as exact
/// zeros and a test names explicitly; those must be within <see cref="ZeroBound"/> in absolute value.
/// </summary>
internal static class GradientParity
{
    /// <summary>The README's bar. The scripts check that PyTorch's float32 gradients are within 1e-5 of float64 for every
    /// stored tensor, so the fixture itself contributes at most a tenth of it.</summary>
    public const double Relative = 1e-4;

    /// <summary>For a mathematically zero gradient our value is round-off of a sum whose terms cancel: the largest is
    /// in heads/qa (qa_outputs.bias and the last LayerNorm's bias: Σ over 3 rows × 13 positions of softmax − onehot,
    /// terms ≤ 1/6 rounded to ~1e-8 each), measured 1.8e-8; the key biases measure ≤ 2e-11. 1e-7 is 6× that
    /// measurement and far below every real gradient of these models (smallest tensor max 1.9e-6).</summary>
    public const double ZeroBound = 1e-7;

    /// <summary>Checks every parameter of <paramref name="model"/> and describes the worst relative error (error over the
    /// tensor's max |grad|) among the tensors that are not zero, with that tensor's name, and the largest magnitude
    /// among the zero ones.</summary>
    /// <param name="exactZero">Names of the parameters whose fixture gradient is all zeros (and no other).</param>
    public static string Check(Module model, SafeTensorsFile io, IReadOnlyCollection<string> exactZero)
    {
        double worst = 0, largestZero = 0;
        string worstName = "";
        int zeros = 0;
        foreach (var p in model.Parameters())
        {
            var expected = io.Floats("grad." + p.Name);
            var actual = p.Grad.Span;
            if (actual.Length != expected.Length)
                throw new XunitException($"grad.{p.Name}: {actual.Length} values, the fixture has {expected.Length}");
            double max = expected.Max(Math.Abs), error = 0;
            int at = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double d = Math.Abs(actual[i] - (double)expected[i]);
                if (!(d <= error)) { error = double.IsNaN(d) ? double.PositiveInfinity : d; at = i; }
            }
            if (exactZero.Contains(p.Name))
            {
                zeros++;
                if (max != 0) throw new XunitException($"grad.{p.Name} is named as exactly zero but the fixture's largest is {max:E3}");
                if (!(error <= ZeroBound))
                    throw new XunitException($"grad.{p.Name}: element {at} is {actual[at]:E3}, the fixture's is exactly 0 (bound {ZeroBound:E0})");
                largestZero = Math.Max(largestZero, error);
                continue;
            }
            if (max == 0) throw new XunitException($"grad.{p.Name} is all zeros in the fixture but not named as exactly zero");
            double relative = error / max;
            if (!(relative <= Relative))
                throw new XunitException($"grad.{p.Name}: element {at} is {actual[at]}, PyTorch {expected[at]} " +
                                         $"(error {error:E3} = {relative:E2} of the tensor's max {max:E3} > {Relative:E0})");
            if (relative > worst) (worst, worstName) = (relative, p.Name);
        }
        if (zeros != exactZero.Count) throw new XunitException($"{exactZero.Count - zeros} of the names in exactZero are not parameters");
        return $"worst gradient error {worst:E2} of its tensor's max ({worstName}); largest of the {zeros} zero gradients {largestZero:E2}";
    }
}
