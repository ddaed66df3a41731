using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>
/// Reads a LayerNorm's epsilon from the graph. Exporters either decompose LayerNorm into
/// (x − mean) / Sqrt(variance + ε) · weight + bias (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add) or
/// emit one LayerNormalization node with an epsilon attribute; both are found from the weight initializer.
/// </summary>
internal static class OnnxImportLayerNorm
{
    /// <summary>The epsilon of the LayerNorm <paramref name="layer"/> (a Hugging Face module name, for errors) whose
    /// scale is the initializer <paramref name="weightName"/>.</summary>
    /// <exception cref="InvalidFileException">The weight is not used by either pattern.</exception>
    public static float Epsilon(OnnxGraphIndex graph, string weightName, string layer)
    {
        foreach (var node in graph.Consumers(weightName))
        {
            if (node.OpType == "LayerNormalization" && node.Input.Count > 1 && node.Input[1] == weightName)
                return OnnxGraphIndex.Float(node, "epsilon", 1e-5f);   // the ONNX default
            if (node.OpType == "Mul" && node.Input.Count == 2 && Decomposed(graph, node, weightName) is float epsilon)
                return epsilon;
        }
        throw new InvalidFileException(graph.Path, null,
            $"not a BERT encoder: no LayerNorm epsilon found for {layer}: expected Mul(Div(x − mean, Sqrt(Add(variance, ε))), " +
            $"{weightName}) or LayerNormalization(x, {weightName}, bias)");
    }

    /// <summary>ε from Mul(Div(centered, Sqrt(Add(variance, ε))), weight), or null when the Mul is something else.</summary>
    private static float? Decomposed(OnnxGraphIndex graph, NodeProto mul, string weightName)
    {
        string normalized = mul.Input[0] == weightName ? mul.Input[1] : mul.Input[0];
        if (graph.Producer(normalized) is not { OpType: "Div" } div || div.Input.Count != 2) return null;
        if (graph.Producer(div.Input[1]) is not { OpType: "Sqrt" } sqrt) return null;
        if (graph.Producer(sqrt.Input[0]) is not { OpType: "Add" } add || add.Input.Count != 2) return null;
        if (graph.Producer(add.Input[0]) is not { OpType: "ReduceMean" } && graph.Producer(add.Input[1]) is not { OpType: "ReduceMean" })
            return null;
        var epsilon = graph.Constant(add.Input[1]) ?? graph.Constant(add.Input[0]);
        if (epsilon is null || !OnnxTensors.IsFloat(epsilon)) return null;
        var values = OnnxTensors.Floats(epsilon, graph.Path);
        return values.Length == 1 ? values[0] : null;
    }
}
