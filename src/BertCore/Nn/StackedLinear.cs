using BertCore.Autograd;
using BertCore.Backends.Cpu.Int8;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>
/// Linears over the same input stacked into one product, for a model frozen for inference: their weights W_i
/// [out_i, in] become one constant W [Σ out_i, in] (rows in the Linears' order) and their biases one [Σ out_i] (zeros
/// for a Linear without bias), so that x [..., in] → [..., Σ out_i] = [x·W_1ᵀ + b_1 | x·W_2ᵀ + b_2 | ...] takes one
/// pass over x instead of one per Linear. In int8 the stack is quantized per output channel, as each Linear is, and x
/// once per row, so every output is the same bits as the Linear's own; in fp32 the products agree within rounding.
/// Holds copies in host memory (the Linears keep their parameters, so names and checkpoints do not change).
/// </summary>
internal sealed class StackedLinear : IDisposable
{
    private readonly Tensor? _weight;               // [Σ out, in] fp32, constant; null in int8
    private readonly QuantizedWeights? _quantized;  // the same in int8; null in fp32
    private readonly Tensor? _bias;                 // [Σ out], constant; null when no Linear has a bias

    /// <summary>Stacks <paramref name="linears"/> (the same input width, weights in host memory) in
    /// <paramref name="precision"/>.</summary>
    /// <exception cref="ArgumentException">No Linears, or input widths that differ.</exception>
    /// <exception cref="InvalidOperationException">A weight or bias that is not in host memory.</exception>
    public StackedLinear(IReadOnlyList<Linear> linears, InferencePrecision precision)
    {
        if (linears.Count == 0) throw new ArgumentException("nothing to stack");
        int inFeatures = linears[0].InFeatures, outFeatures = 0;
        foreach (var linear in linears)
        {
            if (linear.InFeatures != inFeatures)
                throw new ArgumentException($"{linear.Name} takes {linear.InFeatures} inputs, {linears[0].Name} {inFeatures}: they do not stack");
            RequireHost(linear.Weight);
            if (linear.Bias != null) RequireHost(linear.Bias);
            outFeatures += linear.OutFeatures;
        }
        var weight = new float[(long)outFeatures * inFeatures];
        var bias = linears.Any(l => l.Bias != null) ? new float[outFeatures] : null;
        int row = 0;
        foreach (var linear in linears)
        {
            linear.Weight.Value.Span.CopyTo(weight.AsSpan(row * inFeatures));
            linear.Bias?.Value.Span.CopyTo(bias.AsSpan(row));
            row += linear.OutFeatures;
        }
        if (precision == InferencePrecision.Int8) _quantized = QuantizedWeights.Quantize(weight, outFeatures, inFeatures);
        else _weight = Constant(Tensor.FromArray(weight, outFeatures, inFeatures));
        _bias = bias == null ? null : Constant(Tensor.FromArray(bias, outFeatures));
    }

    /// <summary>x [..., in] → [..., Σ out_i], the Linears' outputs side by side.</summary>
    public Tensor Forward(Graph g, Tensor x) => _quantized != null
        ? g.QuantizedLinear(x, _quantized, _bias, gelu: false)
        : g.Linear(x, _weight!, _bias);

    private static void RequireHost(Parameter p)
    {
        if (p.Value.Device != DeviceKind.Cpu) throw new InvalidOperationException($"{p.Name} is on {p.Value.Device}: only host weights stack");
    }

    private static Tensor Constant(Tensor t)
    {
        t.MarkConstant();
        return t;
    }

    public void Dispose()
    {
        _weight?.Dispose();
        _quantized?.Dispose();
        _bias?.Dispose();
    }
}
