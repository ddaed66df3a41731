using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>
/// Look-ups over an ONNX graph for following its data flow: which node produces a value, which nodes consume it,
/// and the constant a value holds (an initializer or the output of a Constant node).
/// </summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);

    /// <summary>Indexes <paramref name="graph"/>, read from <paramref name="path"/> (named in errors).</summary>
    public OnnxGraphIndex(GraphProto graph, string path)
    {
        Graph = graph;
        Path = path;
        foreach (var tensor in graph.Initializer)
            Initializers[tensor.Name] = tensor;
        foreach (var node in graph.Node)
        {
            foreach (var output in node.Output)
                _producers[output] = node;
            foreach (var input in node.Input)
            {
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = new List<NodeProto>();
                list.Add(node);
            }
            if (node.OpType == "Constant" && node.Output.Count == 1
                && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: not null } value)
                _constants[node.Output[0]] = value.T;
        }
    }

    /// <summary>The graph.</summary>
    public GraphProto Graph { get; }

    /// <summary>The file the graph was read from.</summary>
    public string Path { get; }

    /// <summary>The graph's initializers by name.</summary>
    public Dictionary<string, TensorProto> Initializers { get; } = new(StringComparer.Ordinal);

    /// <summary>The node whose output is <paramref name="value"/>, or null (a graph input or initializer).</summary>
    public NodeProto? Producer(string value) => _producers.GetValueOrDefault(value);

    /// <summary>The nodes that read <paramref name="value"/>.</summary>
    public IReadOnlyList<NodeProto> Consumers(string value) =>
        _consumers.TryGetValue(value, out var list) ? list : [];

    /// <summary>The constant <paramref name="value"/> holds (an initializer or a Constant node's value), or null.</summary>
    public TensorProto? Constant(string value) =>
        Initializers.GetValueOrDefault(value) ?? _constants.GetValueOrDefault(value);

    /// <summary>The integer attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static long Int(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    /// <summary>The float attribute <paramref name="name"/> of <paramref name="node"/>, or <paramref name="fallback"/>.</summary>
    public static float Float(NodeProto node, string name, float fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.F : fallback;

    /// <summary>
    /// The known trailing elements of the 1-D integer tensor <paramref name="value"/>: all of them when it is a
    /// constant; for a Concat, the elements of its trailing constant inputs (a Reshape's target shape is often
    /// Concat(batch, sequence, heads, head_dim) with only the last two constant). Empty when none is known.
    /// </summary>
    public IReadOnlyList<long> TrailingConstants(string value)
    {
        if (Constant(value) is { } constant) return OnnxTensors.Integers(constant, Path);
        var node = Producer(value);
        if (node?.OpType != "Concat") return [];
        var known = new List<long>();
        for (int i = node.Input.Count - 1; i >= 0 && Constant(node.Input[i]) is { } part; i--)
            known.InsertRange(0, OnnxTensors.Integers(part, Path));
        return known;
    }
}
