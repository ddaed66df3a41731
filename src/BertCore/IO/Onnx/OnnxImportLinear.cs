using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>
/// Finds the weight of a Linear layer through the graph. ONNX exports keep the Hugging Face name of the bias but
/// give the weight a generated one (<c>onnx::MatMul_1234</c>): the node that adds the named bias identifies the
/// layer, and its other operand comes from the MatMul that holds the weight.
/// </summary>
internal static class OnnxImportLinear
{
    /// <summary>A Linear layer found in the graph: <see cref="Weight"/> [out, in], the initializer that held it, and
    /// the value the layer outputs (x·Wᵀ + b).</summary>
    public sealed record Found(OnnxImportTensor Weight, string WeightInitializer, string Output);

    /// <summary>
    /// The Linear layer <paramref name="layer"/> (a Hugging Face module name, for errors) whose bias is the constant
    /// <paramref name="biasName"/> of length out: either Add(MatMul(x, W[in, out]), bias) in any operand order, or
    /// Gemm(x, W, bias) with W [out, in] when transB = 1 and [in, out] otherwise.
    /// </summary>
    /// <exception cref="InvalidFileException">No such pattern, or more than one, consumes the bias.</exception>
    public static Found ByBias(OnnxGraphIndex graph, string biasName, int outFeatures, string layer)
    {
        var found = graph.Consumers(biasName)
            .Select(node => node.OpType switch
            {
                "Add" => FromAdd(graph, node, biasName, outFeatures),
                "Gemm" => FromGemm(graph, node, biasName, outFeatures),
                _ => null,
            })
            .OfType<Found>()
            .ToArray();
        return found.Length switch
        {
            1 => found[0],
            0 => throw new InvalidFileException(graph.Path, null,
                $"not a BERT encoder: no weight found for {layer}: expected Add(MatMul(x, W[in, {outFeatures}]), {biasName}) " +
                $"or Gemm(x, W, {biasName})"),
            _ => throw new InvalidFileException(graph.Path, null,
                $"the bias {biasName} of {layer} is added to {found.Length} products; expected one"),
        };
    }

    private static Found? FromAdd(OnnxGraphIndex graph, NodeProto add, string biasName, int outFeatures)
    {
        if (add.Input.Count != 2) return null;
        string other = add.Input[0] == biasName ? add.Input[1] : add.Input[0];
        if (graph.Producer(other) is not { OpType: "MatMul" } matMul || graph.Constant(matMul.Input[1]) is not { } w)
            return null;
        var weight = Matrix(graph, w);
        if (weight.Shape[1] != outFeatures) return null;
        return new Found(weight.Transposed(), w.Name, add.Output[0]);
    }

    private static Found? FromGemm(OnnxGraphIndex graph, NodeProto gemm, string biasName, int outFeatures)
    {
        if (gemm.Input.Count != 3 || gemm.Input[2] != biasName || graph.Constant(gemm.Input[1]) is not { } w) return null;
        if (OnnxGraphIndex.Float(gemm, "alpha", 1) != 1 || OnnxGraphIndex.Float(gemm, "beta", 1) != 1 || OnnxGraphIndex.Int(gemm, "transA", 0) != 0)
            throw new InvalidFileException(graph.Path, null,
                $"Gemm node '{gemm.Name}' scales or transposes its operands (alpha, beta or transA set); a Linear layer has none of these");
        var weight = Matrix(graph, w);
        weight = OnnxGraphIndex.Int(gemm, "transB", 0) != 0 ? weight : weight.Transposed();
        return weight.Shape[0] == outFeatures ? new Found(weight, w.Name, gemm.Output[0]) : null;
    }

    private static OnnxImportTensor Matrix(OnnxGraphIndex graph, TensorProto w)
    {
        var shape = OnnxTensors.Shape(w, graph.Path);
        if (shape.Length != 2)
            throw new InvalidFileException(graph.Path, null, $"the weight '{w.Name}' has shape [{string.Join(", ", shape)}]; a Linear weight is a matrix");
        return new OnnxImportTensor(OnnxTensors.Floats(w, graph.Path), shape);
    }
}
