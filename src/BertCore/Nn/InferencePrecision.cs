namespace BertCore.Nn;

/// <summary>The arithmetic of a model frozen for inference (<see cref="Module.FreezeForInference"/>).</summary>
public enum InferencePrecision
{
    /// <summary>fp32 everywhere, as trained.</summary>
    Fp32,

    /// <summary>Every <see cref="Linear"/> in int8 on the CPU backend: weights quantized per output channel when the
    /// model is frozen, activations per token on the fly, int32 sums dequantized with both scales plus the fp32 bias.
    /// Attention, LayerNorm, softmax, embeddings and residuals stay fp32.</summary>
    Int8,
}
