using BertCore.Autograd;

namespace BertCore.Nn;

/// <summary>Deterministic parameter initialization (Hugging Face BERT's: normal(0, initializer_range) for
/// matrices and embeddings, zeros for biases, ones for LayerNorm weights).</summary>
public static class Init
{
    /// <summary>Fills with normal(0, std) values from a seeded generator (Box–Muller).</summary>
    public static void Normal(Parameter p, double std, Random random)
    {
        var span = p.Value.Span;
        for (int i = 0; i < span.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)) * std;
            span[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < span.Length) span[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
    }

    public static void Constant(Parameter p, float value) => p.Value.Span.Fill(value);
}
