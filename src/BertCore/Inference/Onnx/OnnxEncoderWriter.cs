using BertCore.IO.Onnx;
using BertCore.Nn;
using BertCore.Nn.Adapters;
using BertCore.Nn.Bert;
using Onnx;

namespace BertCore.Inference.Onnx;

/// <summary>The encoder's values in an ONNX graph (value names), as <see cref="BertOutput"/> holds its tensors.</summary>
/// <param name="LastHiddenState">[batch, sequence, H].</param>
/// <param name="PoolerOutput">tanh(dense(h[:, 0])) [batch, H], or null without a pooler.</param>
/// <param name="HiddenStates">The embeddings' output then each layer's, L + 1 values [batch, sequence, H].</param>
internal sealed record OnnxEncoderValues(string LastHiddenState, string? PoolerOutput, IReadOnlyList<string> HiddenStates);

/// <summary>
/// Writes a <see cref="BertEncoder"/> into an ONNX graph with the engine's inference numerics and the structure of
/// Hugging Face's exports: embeddings summed then LayerNorm; per layer Q, K, V, scores / sqrt(D) plus the padding
/// mask's (1 − mask)·float.MinValue, softmax, context, output dense, residual LayerNorm, exact-erf GELU
/// feed-forward; the pooler tanh(dense(h[:, 0])). Dropout is the identity. A pre-LayerNorm encoder
/// (<see cref="IO.BertConfig.IsPreLayerNorm"/>) is written as its own graph (LayerNorm before each sublayer, a final
/// LayerNorm "encoder.LayerNorm"), which ONNX Runtime runs but transformers' BertModel could not; a bias-free Linear is a
/// MatMul alone.
/// </summary>
/// <remarks>
/// Initializers carry the parameters' Hugging Face names (without "bert." when <c>bertPrefix</c> is false, as a
/// BertModel export). Every Linear is MatMul(x, Wᵀ) → Add(bias): the transposed weight [in, out] is named
/// "onnx::MatMul_" + the weight's name and the bias keeps its own, so an importer finds the layer from the bias Add
/// that consumes the MatMul (as in Hugging Face exports, whose MatMul weights have generated names). LayerNorm is
/// decomposed as those exports decompose it (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul, Add), so
/// its ε is the constant added before the Sqrt.
/// </remarks>
internal sealed class OnnxEncoderWriter(OnnxGraphBuilder graph, bool bertPrefix)
{
    private const string Prefix = "bert.";

    public OnnxGraphBuilder Graph => graph;

    /// <summary>
    /// The encoder over the graph's inputs: input ids, attention mask and token type ids, each int64 [batch, sequence].
    /// </summary>
    public OnnxEncoderValues Write(BertEncoder encoder, string inputIds, string attentionMask, string tokenTypeIds)
    {
        var hidden = new List<string> { Embeddings(encoder.Embeddings, inputIds, tokenTypeIds) };
        var maskAdd = MaskAddend(attentionMask);
        int heads = encoder.Config.NumAttentionHeads;
        foreach (var layer in encoder.Layers) hidden.Add(Layer(layer, hidden[^1], maskAdd, heads, encoder.Config.IsPreLayerNorm));
        if (encoder.FinalNorm != null) hidden[^1] = LayerNorm(encoder.FinalNorm, hidden[^1]);
        string? pooled = encoder.Pooler == null ? null
            : graph.Node("Tanh", Name(encoder.Pooler.Name), [Linear(encoder.Pooler, FirstToken(hidden[^1], Name(encoder.Pooler.Name)))]);
        return new OnnxEncoderValues(hidden[^1], pooled, hidden);
    }

    /// <summary>word + position + token type embeddings, then LayerNorm: ids, types int64 [batch, sequence] → [batch, sequence, H].
    /// The positions 0..S−1 are the first S rows of the position table.</summary>
    private string Embeddings(BertEmbeddings embeddings, string inputIds, string tokenTypeIds)
    {
        string scope = Name(embeddings.Name);
        var word = graph.Node("Gather", scope + ".word", [Table(embeddings.Word), inputIds]);
        var shape = graph.Node("Shape", scope, [inputIds]);
        var length = graph.Node("Slice", scope + ".sequence_length", [shape, graph.Int64s(scope + ".one", 1), graph.Int64s(scope + ".two", 2)]);
        var position = graph.Node("Slice", scope + ".position",
            [Table(embeddings.Position), graph.Int64s(scope + ".zero", 0), length, graph.Int64s(scope + ".axis", 0)]);   // [S, H]
        var type = graph.Node("Gather", scope + ".token_type", [Table(embeddings.TokenType), tokenTypeIds]);
        var sum = graph.Node("Add", scope, [graph.Node("Add", scope, [word, position]), type]);
        return LayerNorm(embeddings.Norm, sum);
    }

    private string Table(Embedding embedding) =>
        graph.Floats(Name(embedding.Weight.Name), embedding.Weight.Value.Span, embedding.Weight.Shape[0], embedding.Weight.Shape[1]);

    /// <summary>mask int64 [batch, sequence] → (1 − mask)·float.MinValue [batch, 1, 1, sequence], added to every score row.</summary>
    private string MaskAddend(string attentionMask)
    {
        const string scope = "attention_mask";
        var mask = graph.Node("Cast", scope, [attentionMask], ("to", (long)TensorProto.Types.DataType.Float));
        var padding = graph.Node("Sub", scope, [graph.FloatScalar(scope + ".one", 1f), mask]);
        var addend = graph.Node("Mul", scope, [padding, graph.FloatScalar(scope + ".most_negative", float.MinValue)]);
        return graph.Node("Unsqueeze", scope, [addend, graph.Int64s(scope + ".axes", 1, 2)]);
    }

    /// <summary>h [batch, sequence, H] → [batch, sequence, H] (<see cref="BertLayer.Forward"/>, post- or pre-LayerNorm).</summary>
    private string Layer(BertLayer layer, string h, string maskAdd, int heads, bool preLayerNorm)
    {
        string scope = Name(layer.Name);
        int width = layer.Query.OutFeatures, d = width / heads;
        var x = preLayerNorm ? LayerNorm(layer.AttentionNorm, h) : h;
        var q = Heads(Linear(layer.Query, x), scope, heads, d, [0, 2, 1, 3]);   // [B, heads, S, D]
        var k = Heads(Linear(layer.Key, x), scope, heads, d, [0, 2, 3, 1]);     // [B, heads, D, S]
        var v = Heads(Linear(layer.Value, x), scope, heads, d, [0, 2, 1, 3]);   // [B, heads, S, D]
        var scores = graph.Node("Div", scope + ".scores", [graph.Node("MatMul", scope + ".scores", [q, k]), graph.FloatScalar(scope + ".sqrt_head_size", MathF.Sqrt(d))]);
        var probabilities = graph.Node("Softmax", scope + ".probabilities", [graph.Node("Add", scope + ".scores", [scores, maskAdd])], ("axis", -1L));
        var context = graph.Node("Transpose", scope + ".context", [graph.Node("MatMul", scope + ".context", [probabilities, v])], ("perm", new long[] { 0, 2, 1, 3 }));
        context = graph.Node("Reshape", scope + ".context", [context, graph.Int64s(scope + ".context_shape", 0, 0, width)]);   // [B, S, H]

        var attention = Adapter(layer.AttentionAdapter, Linear(layer.AttentionOutput, context));
        var a = graph.Node("Add", scope + ".attention.residual", [attention, h]);
        if (!preLayerNorm) a = LayerNorm(layer.AttentionNorm, a);
        var ffnInput = preLayerNorm ? LayerNorm(layer.OutputNorm, a) : a;
        var feedForward = Adapter(layer.OutputAdapter, Linear(layer.Output, Gelu(Linear(layer.Intermediate, ffnInput), scope + ".intermediate")));
        var output = graph.Node("Add", scope + ".output.residual", [feedForward, a]);
        return preLayerNorm ? output : LayerNorm(layer.OutputNorm, output);
    }

    /// <summary>x [B, S, heads·D] → [B, S, heads, D], transposed by <paramref name="perm"/>.</summary>
    private string Heads(string x, string scope, int heads, int d, long[] perm)
    {
        var split = graph.Node("Reshape", scope + ".heads", [x, graph.Int64s(scope + ".heads_shape", 0, 0, heads, d)]);
        return graph.Node("Transpose", scope + ".heads", [split], ("perm", perm));
    }

    /// <summary>Houlsby adapter x + up(gelu(down(x))) when present: x [..., H] → [..., H].</summary>
    private string Adapter(BottleneckAdapter? adapter, string x) => adapter == null ? x
        : graph.Node("Add", Name(adapter.Name), [x, Linear(adapter.Up, Gelu(Linear(adapter.Down, x), Name(adapter.Down.Name)))]);

    /// <summary>x [..., in] → x·Wᵀ + b [..., out] as MatMul(x, Wᵀ [in, out]) → Add(bias).</summary>
    public string Linear(Linear linear, string x)
    {
        string scope = Name(linear.Name);
        int outputs = linear.OutFeatures, inputs = linear.InFeatures;
        var w = linear.Weight.Value.Span;
        var transposed = new float[w.Length];
        for (int o = 0; o < outputs; o++)
            for (int i = 0; i < inputs; i++) transposed[i * outputs + o] = w[o * inputs + i];
        var product = graph.Node("MatMul", scope, [x, graph.Floats("onnx::MatMul_" + Name(linear.Weight.Name), transposed, inputs, outputs)]);
        return linear.Bias == null ? product : graph.Node("Add", scope, [product, Vector(linear.Bias)]);
    }

    /// <summary>LayerNorm over the last dimension, decomposed: x [..., H] → (x − mean)/sqrt(var + ε)·γ + β.</summary>
    public string LayerNorm(LayerNorm norm, string x)
    {
        string scope = Name(norm.Name);
        var mean = graph.Node("ReduceMean", scope, [x], ("axes", new long[] { -1 }), ("keepdims", 1L));
        var centered = graph.Node("Sub", scope, [x, mean]);
        var square = graph.Node("Pow", scope, [centered, graph.FloatScalar(scope + ".two", 2f)]);
        var variance = graph.Node("ReduceMean", scope, [square], ("axes", new long[] { -1 }), ("keepdims", 1L));
        var deviation = graph.Node("Sqrt", scope, [graph.Node("Add", scope, [variance, graph.FloatScalar(scope + ".epsilon", norm.Eps)])]);
        var normalized = graph.Node("Div", scope, [centered, deviation]);
        return graph.Node("Add", scope, [graph.Node("Mul", scope, [normalized, Vector(norm.Weight)]), Vector(norm.Bias)]);
    }

    /// <summary>Exact GELU, x·0.5·(1 + erf(x / √2)), elementwise.</summary>
    public string Gelu(string x, string scope)
    {
        var erf = graph.Node("Erf", scope + ".gelu", [graph.Node("Div", scope + ".gelu", [x, graph.FloatScalar(scope + ".sqrt_two", MathF.Sqrt(2f))])]);
        var onePlus = graph.Node("Add", scope + ".gelu", [erf, graph.FloatScalar(scope + ".one", 1f)]);
        return graph.Node("Mul", scope + ".gelu", [graph.Node("Mul", scope + ".gelu", [x, onePlus]), graph.FloatScalar(scope + ".half", 0.5f)]);
    }

    /// <summary>h [batch, sequence, H] → h[:, 0] [batch, H] (the [CLS] vectors).</summary>
    public string FirstToken(string h, string scope) =>
        graph.Node("Gather", scope + ".first_token", [h, graph.Int64Scalar(scope + ".first", 0)], ("axis", 1L));

    private string Vector(Autograd.Parameter p) => graph.Floats(Name(p.Name), p.Value.Span, p.Shape[0]);

    /// <summary>The Hugging Face name of a parameter or module in this export.</summary>
    public string Name(string name) => !bertPrefix && name.StartsWith(Prefix, StringComparison.Ordinal) ? name[Prefix.Length..] : name;
}
