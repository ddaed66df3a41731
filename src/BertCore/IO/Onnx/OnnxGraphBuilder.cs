using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace BertCore.IO.Onnx;

/// <summary>
/// Builds an ONNX graph (the official schema's <see cref="GraphProto"/>, written with Google.Protobuf): initializers,
/// nodes of the default domain, and inputs and outputs whose first dimensions may be named (dynamic). Every value
/// gets a unique name; an op's output is named after a hint and the op.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private long _initializerBytes;

    public OnnxGraphBuilder(string name) => _graph = new GraphProto { Name = name };

    /// <summary>Bytes of initializer data so far.</summary>
    public long InitializerBytes => _initializerBytes;

    /// <summary>A float initializer named exactly <paramref name="name"/> with shape <paramref name="dims"/>
    /// (row-major <paramref name="values"/>); returns the name.</summary>
    /// <exception cref="InvalidOperationException">The name is taken, or the values do not fill the shape.</exception>
    public string Floats(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (values.Length != dims.Aggregate(1L, (a, d) => a * d))
            throw new InvalidOperationException($"initializer {name}: {values.Length} values for shape [{string.Join(", ", dims)}]");
        Claim(name);
        return Initializer(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values), dims);
    }

    /// <summary>A 1-D int64 initializer (a shape, axes or indices) named after <paramref name="hint"/>; returns its name.</summary>
    public string Int64s(string hint, params long[] values) =>
        Initializer(Unique(hint), TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), values.Length);

    /// <summary>A 0-D int64 initializer (a scalar index) named after <paramref name="hint"/>.</summary>
    public string Int64Scalar(string hint, long value) =>
        Initializer(Unique(hint), TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(new[] { value }.AsSpan()));

    /// <summary>A 0-D float initializer (a constant of an elementwise op) named after <paramref name="hint"/>.</summary>
    public string FloatScalar(string hint, float value) =>
        Initializer(Unique(hint), TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(new[] { value }.AsSpan()));

    /// <summary>Adds an initializer under <paramref name="name"/>, already claimed.</summary>
    private string Initializer(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> data, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        _initializerBytes += data.Length;
        return name;
    }

    /// <summary>
    /// Appends a node <paramref name="op"/>(<paramref name="inputs"/>) with one output, named after
    /// <paramref name="hint"/>; returns the output's name. Attribute values may be long, float, string or long[].
    /// </summary>
    public string Node(string op, string hint, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = Unique($"{hint}/{op}");
        var node = new NodeProto { OpType = op, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        _graph.Node.Add(node);
        return output;
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case long i:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = i;
                break;
            case float f:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = f;
                break;
            case string s:
                attribute.Type = AttributeProto.Types.AttributeType.String;
                attribute.S = ByteString.CopyFromUtf8(s);
                break;
            case long[] ints:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ints);
                break;
            default:
                throw new ArgumentException($"attribute {name}: unsupported value type {value.GetType().Name}");
        }
        return attribute;
    }

    /// <summary>Declares a graph input; each dimension is a name (dynamic) or a long (fixed). Returns its name.</summary>
    public string Input(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Claim(name);
        _graph.Input.Add(ValueInfo(name, type, dims));
        return name;
    }

    /// <summary>
    /// Declares <paramref name="value"/> (a node's output) a graph output named <paramref name="name"/>: the
    /// producing node's output and every use of it are renamed, so no Identity node is added.
    /// </summary>
    public void Output(string value, string name, TensorProto.Types.DataType type, params object[] dims)
    {
        Claim(name);
        foreach (var node in _graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == value) node.Output[i] = name;
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == value) node.Input[i] = name;
        }
        _graph.Output.Add(ValueInfo(name, type, dims));
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim switch
            {
                string param => new TensorShapeProto.Types.Dimension { DimParam = param },
                long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                _ => throw new ArgumentException($"dimension {dim} of {name} is neither a name nor a long"),
            });
        var tensor = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensor } };
    }

    /// <summary>The model: IR version 8 (ONNX 1.12) and the default domain at <paramref name="opset"/>.</summary>
    public ModelProto Model(long opset, string producerVersion, string docString) => new()
    {
        IrVersion = (long)global::Onnx.Version.IrVersion,
        ProducerName = "bertcore",
        ProducerVersion = producerVersion,
        DocString = docString,
        OpsetImport = { new OperatorSetIdProto { Domain = "", Version = opset } },
        Graph = _graph,
    };

    private void Claim(string name)
    {
        if (!_names.Add(name)) throw new InvalidOperationException($"the ONNX graph already has a value named {name}");
    }

    private string Unique(string hint)
    {
        string name = hint;
        for (int i = 1; _names.Contains(name); i++) name = $"{hint}_{i}";
        _names.Add(name);
        return name;
    }
}
