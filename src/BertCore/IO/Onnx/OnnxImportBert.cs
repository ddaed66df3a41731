using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>A BERT encoder read from an ONNX file: its configuration, whether it has a pooler, its weights under
/// Hugging Face BertModel names without the "bert." prefix (Linear weights [out, in]), and the float
/// initializers that are not part of the encoder (e.g. a task head), which import leaves out.</summary>
internal sealed record OnnxBert(BertConfig Config, bool HasPooler, IReadOnlyDictionary<string, OnnxImportTensor> Tensors,
    IReadOnlyList<string> Ignored);

/// <summary>
/// Recognizes a BERT encoder in an ONNX export. Embedding tables, biases and LayerNorm parameters are found by their
/// Hugging Face names (with or without a prefix such as "bert."); each Linear weight through the Add or Gemm that
/// adds its bias (<see cref="OnnxImportLinear"/>). The configuration comes from the graph: sizes from the tensors,
/// the head count from the attention Reshape's target shape, the LayerNorm epsilon from the normalization pattern.
/// </summary>
internal sealed class OnnxImportBert
{
    private static readonly string[] AttentionProjections = ["attention.self.query", "attention.self.key", "attention.self.value"];
    private const string WordEmbeddings = "embeddings.word_embeddings.weight";

    private readonly OnnxGraphIndex _graph;
    private readonly string _prefix;
    private readonly Dictionary<string, OnnxImportTensor> _tensors = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);
    private readonly List<(string Layer, float Epsilon)> _epsilons = new();

    private OnnxImportBert(OnnxGraphIndex graph)
    {
        _graph = graph;
        _prefix = Prefix(graph);
    }

    /// <summary>Reads the BERT encoder in the ONNX file <paramref name="path"/>.</summary>
    /// <exception cref="InvalidFileException">The file is not ONNX, or its graph is not a BERT encoder; the message
    /// names the file and what is missing.</exception>
    public static OnnxBert Read(string path)
    {
        var graph = new OnnxGraphIndex(OnnxImportFile.Load(path).Graph, path);
        return new OnnxImportBert(graph).Read();
    }

    private OnnxBert Read()
    {
        if (_graph.Graph.Input.All(i => i.Name != "input_ids"))
            throw Missing($"input named input_ids (the inputs are {string.Join(", ", _graph.Graph.Input.Select(i => i.Name))})");
        var (vocab, hidden) = Table(WordEmbeddings, null);
        var (positions, _) = Table("embeddings.position_embeddings.weight", hidden);
        var (types, _) = Table("embeddings.token_type_embeddings.weight", hidden);
        LayerNorm("embeddings.LayerNorm", hidden);

        if (_graph.Initializers.ContainsKey($"{_prefix}encoder.LayerNorm.weight"))
            throw new InvalidFileException(_graph.Path, null,
                $"{_prefix}encoder.LayerNorm.weight is the final LayerNorm of a pre-LayerNorm encoder (BertCore's layer_norm_position \"pre\"); " +
                "import reads post-LayerNorm (Hugging Face BERT) graphs only: use the BertCore model folder it was exported from");
        int layers = 0;
        while (_graph.Initializers.ContainsKey($"{_prefix}encoder.layer.{layers}.attention.self.query.bias")) layers++;
        if (layers == 0) throw Missing($"encoder layers (no initializer {_prefix}encoder.layer.0.attention.self.query.bias)");
        int heads = 0, intermediate = 0;
        for (int i = 0; i < layers; i++)
        {
            string layer = $"encoder.layer.{i}.";
            var outputs = AttentionProjections.Select(name => Linear(layer + name, hidden, hidden).Output).ToArray();
            int layerHeads = Heads(outputs, hidden, i);
            Linear(layer + "attention.output.dense", hidden, hidden);
            LayerNorm(layer + "attention.output.LayerNorm", hidden);
            var ffn = Linear(layer + "intermediate.dense", hidden, null);
            int layerIntermediate = ffn.Weight.Shape[0];
            RequireErfGelu(ffn.Output, i);
            Linear(layer + "output.dense", layerIntermediate, hidden);
            LayerNorm(layer + "output.LayerNorm", hidden);
            if (i > 0 && (layerHeads, layerIntermediate) != (heads, intermediate))
                throw new InvalidFileException(_graph.Path, null,
                    $"layer {i} has {layerHeads} heads and feed-forward width {layerIntermediate}, layer 0 {heads} and {intermediate}; " +
                    "BertCore's layers are all alike");
            (heads, intermediate) = (layerHeads, layerIntermediate);
        }
        bool pooler = _graph.Initializers.ContainsKey(_prefix + "pooler.dense.bias");
        if (pooler) Linear("pooler.dense", hidden, hidden);

        var config = new BertConfig
        {
            VocabSize = vocab, HiddenSize = hidden, NumHiddenLayers = layers, NumAttentionHeads = heads,
            IntermediateSize = intermediate, MaxPositionEmbeddings = positions, TypeVocabSize = types,
            LayerNormEps = Epsilon(), Architectures = ["BertModel"],
        };
        var ignored = _graph.Initializers.Values
            .Where(t => OnnxTensors.IsFloat(t) && !_used.Contains(t.Name))
            .Select(t => t.Name)
            .ToArray();
        return new OnnxBert(config, pooler, _tensors, ignored);
    }

    /// <summary>The prefix of the Hugging Face names ("" for a bare BertModel export, "bert." for a task model's).</summary>
    private static string Prefix(OnnxGraphIndex graph)
    {
        var prefixes = graph.Initializers.Keys
            .Where(n => n.EndsWith(WordEmbeddings, StringComparison.Ordinal))
            .Select(n => n[..^WordEmbeddings.Length])
            .Where(p => p.Length == 0 || p.EndsWith('.'))
            .ToArray();
        return prefixes.Length switch
        {
            1 => prefixes[0],
            0 => throw new InvalidFileException(graph.Path, null,
                $"not a BERT encoder: the graph has no initializer named {WordEmbeddings} (the word-embedding table)"),
            _ => throw new InvalidFileException(graph.Path, null,
                $"more than one word-embedding table ({string.Join(", ", prefixes.Select(p => p + WordEmbeddings))})"),
        };
    }

    /// <summary>An embedding table [rows, width] stored under its name; width must be <paramref name="width"/> when given.</summary>
    private (int Rows, int Width) Table(string name, int? width)
    {
        var tensor = Take(name, "an embedding table");
        if (tensor.Shape.Length != 2 || (width is int w && tensor.Shape[1] != w))
            throw Shape(name, tensor, width is int expected ? $"[rows, {expected}]" : "[rows, hidden]");
        _tensors[name] = tensor;
        return (tensor.Shape[0], tensor.Shape[1]);
    }

    /// <summary>A 1-D float tensor stored under its name, of length <paramref name="length"/> when given.</summary>
    private OnnxImportTensor Vector(string name, int? length)
    {
        var tensor = Take(name, "a vector");
        if (tensor.Shape.Length != 1 || (length is int n && tensor.Shape[0] != n))
            throw Shape(name, tensor, length is int expected ? $"[{expected}]" : "[length]");
        _tensors[name] = tensor;
        return tensor;
    }

    private void LayerNorm(string layer, int width)
    {
        Vector(layer + ".weight", width);
        Vector(layer + ".bias", width);
        _epsilons.Add((layer, OnnxImportLayerNorm.Epsilon(_graph, _prefix + layer + ".weight", layer)));
    }

    /// <summary>A Linear layer [out, in]; out is the bias length, which must be <paramref name="outFeatures"/> when given.</summary>
    private OnnxImportLinear.Found Linear(string layer, int inFeatures, int? outFeatures)
    {
        var bias = Vector(layer + ".bias", outFeatures);
        var found = OnnxImportLinear.ByBias(_graph, _prefix + layer + ".bias", bias.Shape[0], layer);
        if (found.Weight.Shape[1] != inFeatures)
            throw new InvalidFileException(_graph.Path, null,
                $"the weight '{found.WeightInitializer}' of {layer} takes {found.Weight.Shape[1]} inputs; expected {inFeatures}");
        _used.Add(found.WeightInitializer);
        _tensors[layer + ".weight"] = found.Weight;
        return found;
    }

    /// <summary>
    /// The head count of one layer: a Reshape of its query, key or value to [..., heads, head_dim] with
    /// heads · head_dim = hidden, the target shape resolved through Constant nodes, initializers and Concat.
    /// </summary>
    private int Heads(IEnumerable<string> projections, int hidden, int layer)
    {
        foreach (var projection in projections)
            foreach (var reshape in _graph.Consumers(projection).Where(n => n.OpType == "Reshape" && n.Input[0] == projection))
            {
                var shape = _graph.TrailingConstants(reshape.Input[1]);
                if (shape.Count >= 2 && shape[^2] > 0 && shape[^1] > 0 && shape[^2] * shape[^1] == hidden)
                    return (int)shape[^2];
            }
        throw Missing($"split of layer {layer}'s attention into heads: expected a Reshape of the query, key or value to a constant " +
            $"[..., heads, head_dim] with heads · head_dim = {hidden}");
    }

    /// <summary>BertCore's GELU is the exact erf form: refuse the tanh approximation or another activation.</summary>
    private void RequireErfGelu(string intermediate, int layer)
    {
        static bool IsErf(NodeProto n) => n.OpType is "Erf" or "Gelu";
        bool found = _graph.Consumers(intermediate).Any(n => IsErf(n) || n.Output.Any(o => _graph.Consumers(o).Any(IsErf)));
        if (!found)
            throw Missing($"exact (erf) GELU after layer {layer}'s intermediate.dense: no Erf or Gelu node reads its output " +
                "(BertCore implements hidden_act \"gelu\" only)");
    }

    /// <summary>The one epsilon all LayerNorms share.</summary>
    private float Epsilon()
    {
        var (firstLayer, first) = _epsilons[0];
        foreach (var (layer, epsilon) in _epsilons)
            if (epsilon != first)
                throw new InvalidFileException(_graph.Path, null,
                    $"LayerNorm epsilons differ: {firstLayer} {first:R}, {layer} {epsilon:R}; BertCore uses one layer_norm_eps");
        return first;
    }

    private OnnxImportTensor Take(string name, string what)
    {
        if (!_graph.Initializers.TryGetValue(_prefix + name, out var proto))
            throw Missing($"initializer named {_prefix + name} ({what})");
        _used.Add(proto.Name);
        return new OnnxImportTensor(OnnxTensors.Floats(proto, _graph.Path), OnnxTensors.Shape(proto, _graph.Path));
    }

    private InvalidFileException Missing(string what) =>
        new(_graph.Path, null, $"not a BERT encoder: the graph has no {what}");

    private InvalidFileException Shape(string name, OnnxImportTensor tensor, string expected) =>
        new(_graph.Path, null, $"initializer {_prefix + name} has shape [{string.Join(", ", tensor.Shape)}]; expected {expected}");
}
