namespace BertCore.Inference.Onnx;

/// <summary>How <see cref="OnnxExport.Export"/> writes the model.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>The lowest opset written: the first with Softmax over one axis and Unsqueeze / ReduceSum axes as inputs.</summary>
    public const int MinOpset = 13;

    /// <summary>The highest opset written: the newest of the ONNX 1.12 schema (IR version 8) the file is written with.</summary>
    public const int MaxOpset = 17;

    /// <summary>The version of the default ONNX operator set (default 17).</summary>
    public int Opset { get; init; } = MaxOpset;

    /// <exception cref="ArgumentException">The opset is outside <see cref="MinOpset"/>..<see cref="MaxOpset"/>.</exception>
    public void Validate()
    {
        if (Opset is < MinOpset or > MaxOpset)
            throw new ArgumentException($"the ONNX export writes opsets {MinOpset} to {MaxOpset}, not {Opset}");
    }
}
