namespace BertCore.IO.PyTorch;

/// <summary>A Python tuple built by the pickle reader.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A Python dict (or OrderedDict) with string keys, in insertion order.</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);
    private readonly List<string> _keys = new();

    /// <summary>Keys in insertion order (a repeated key keeps its first place, as in Python).</summary>
    public IReadOnlyList<string> Keys => _keys;

    public int Count => _keys.Count;

    public object? this[string key] => _values[key];

    public void Set(string key, object? value)
    {
        if (!_values.ContainsKey(key)) _keys.Add(key);
        _values[key] = value;
    }
}

/// <summary>One of the globals a state dict may name; <see cref="PickleReader"/> refuses every other.</summary>
/// <param name="Module">The Python module, e.g. "torch".</param>
/// <param name="Name">The name in the module, e.g. "FloatStorage".</param>
/// <param name="StorageDType">For a storage type, the dtype of its elements (safetensors naming); else null.</param>
internal sealed record PickleGlobal(string Module, string Name, string? StorageDType = null)
{
    public static readonly PickleGlobal OrderedDict = new("collections", "OrderedDict");
    public static readonly PickleGlobal RebuildTensor = new("torch._utils", "_rebuild_tensor_v2");

    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A storage named by a persistent id: the archive record <c>data/{Key}</c> holding
/// <paramref name="Numel"/> elements of <paramref name="DType"/>.</summary>
internal sealed record TorchStorageRef(string Key, string DType, long Numel);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> would build: a view of a storage, not yet checked against
/// the storage (see <see cref="TorchStateDict"/>).</summary>
/// <param name="Storage">The storage viewed.</param>
/// <param name="Offset">The first element, counted in elements of the storage.</param>
/// <param name="Size">The view's shape.</param>
/// <param name="Stride">Elements between neighbours along each dimension (same length as <paramref name="Size"/>).</param>
internal sealed record TorchTensorRef(TorchStorageRef Storage, long Offset, long[] Size, long[] Stride);
