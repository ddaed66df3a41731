using BertCore.Autograd;
using BertCore.Backends.Cpu.Int8;
using BertCore.Tensors;

namespace BertCore.Nn;

/// <summary>y = x·Wᵀ + b with W [out, in] (Hugging Face layout), optionally followed by exact GELU.</summary>
public sealed class Linear : Module
{
    public Linear(string name, int inFeatures, int outFeatures, bool bias = true) : base(name)
    {
        Weight = AddParameter("weight", outFeatures, inFeatures);
        Bias = bias ? AddParameter("bias", outFeatures) : null;
    }

    public Parameter Weight { get; }
    public Parameter? Bias { get; }
    public int InFeatures => Weight.Shape[1];
    public int OutFeatures => Weight.Shape[0];

    /// <summary>The weight in int8 once the model is frozen for int8 inference (<see cref="Quantize"/>), else null.</summary>
    internal QuantizedWeights? Quantized { get; private set; }

    /// <summary>x [..., in] → [..., out]; in int8 once quantized.</summary>
    public Tensor Forward(Graph g, Tensor x, bool gelu = false) => Quantized != null
        ? g.QuantizedLinear(x, Quantized, Bias?.Value, gelu)
        : g.Linear(x, Weight.Value, Bias?.Value, gelu);

    /// <summary>Quantizes the weight for int8 inference (<see cref="InferencePrecision.Int8"/>), once.</summary>
    /// <exception cref="InvalidOperationException">The weight is not in CPU memory.</exception>
    internal void Quantize()
    {
        if (Quantized != null) return;
        if (Weight.Value.Device != DeviceKind.Cpu)
            throw new InvalidOperationException($"int8 inference runs on the CPU backend only; {Weight.Name} is on {Weight.Value.Device}");
        Quantized = QuantizedWeights.Quantize(Weight.Value.Span, OutFeatures, InFeatures);
    }

    public override void Dispose()
    {
        Quantized?.Dispose();
        base.Dispose();
    }

    public void Initialize(double std, Random random)
    {
        Init.Normal(Weight, std, random);
        if (Bias != null) Init.Constant(Bias, 0f);
    }
}
