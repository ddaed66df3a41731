using System.Buffers.Binary;
using System.Text;

namespace BertCore.IO.PyTorch;

/// <summary>
/// A restricted pickle machine for the <c>data.pkl</c> record of a PyTorch checkpoint. It never runs code: it
/// executes only the opcodes <c>torch.save</c> emits for a state dict (protocol 2, plus the protocol-4 framing
/// and memo opcodes), resolves only the globals a state dict needs (collections.OrderedDict,
/// torch._utils._rebuild_tensor_v2, the storage types of <see cref="TorchStorageTypes"/>), calls only
/// OrderedDict() and _rebuild_tensor_v2 (which here only records the view) and resolves persistent ids only to
/// storage references. Everything else is refused with an <see cref="InvalidFileException"/> naming the record,
/// the byte offset and the opcode or global. Nothing is allocated in proportion to a length the data claims
/// before that length is checked against the bytes that remain.
/// </summary>
internal sealed class PickleReader
{
    private readonly string _path;
    private readonly string _record;
    private readonly byte[] _data;
    private readonly List<object?> _stack = new();
    private readonly List<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = new();
    private int _position;
    private int _opcodeStart;

    private PickleReader(string path, string record, byte[] data)
    {
        _path = path;
        _record = record;
        _data = data;
    }

    /// <summary>Runs the pickle <paramref name="data"/> (record <paramref name="record"/> of the archive
    /// <paramref name="path"/>) and returns the object it builds: dicts, tuples, strings, ints, floats, bools,
    /// None, <see cref="PickleGlobal"/>, <see cref="TorchStorageRef"/> and <see cref="TorchTensorRef"/>.</summary>
    /// <exception cref="InvalidFileException">The pickle uses something a state dict does not need, or is malformed.</exception>
    public static object? Load(string path, string record, byte[] data) => new PickleReader(path, record, data).Run();

    private object? Run()
    {
        while (true)
        {
            _opcodeStart = _position;
            var op = (PickleOpcode)Byte();
            switch (op)
            {
                case PickleOpcode.PROTO:
                    int version = Byte();
                    if (version is < 2 or > 5) throw Refuse($"pickle protocol {version}; torch.save writes protocol 2");
                    break;
                case PickleOpcode.FRAME:
                    Bytes(8);   // a length hint for buffered readers; the whole record is in memory
                    break;
                case PickleOpcode.STOP:
                    if (_stack.Count != 1 || _marks.Count != 0)
                        throw Refuse($"STOP with {_stack.Count} objects and {_marks.Count} marks on the stack; a pickle ends with exactly one object");
                    return _stack[0];
                case PickleOpcode.MARK:
                    _marks.Add(_stack.Count);
                    break;
                case PickleOpcode.GLOBAL:
                    string module = Line();
                    _stack.Add(Global(module, Line()));
                    break;
                case PickleOpcode.STACK_GLOBAL:
                    string name = Pop<string>("STACK_GLOBAL name");
                    _stack.Add(Global(Pop<string>("STACK_GLOBAL module"), name));
                    break;
                case PickleOpcode.BINPERSID:
                    _stack.Add(Storage(Pop<PickleTuple>("persistent id")));
                    break;
                case PickleOpcode.REDUCE:
                    var arguments = Pop<PickleTuple>("REDUCE arguments");
                    _stack.Add(Reduce(Pop<object>("REDUCE callable"), arguments));
                    break;
                case PickleOpcode.BUILD:
                    Pop<PickleDict>("BUILD state");   // an OrderedDict's attributes (the state dict's _metadata): not needed
                    Peek<PickleDict>("BUILD target");
                    break;
                case PickleOpcode.EMPTY_DICT:
                    _stack.Add(new PickleDict());
                    break;
                case PickleOpcode.EMPTY_TUPLE:
                    _stack.Add(new PickleTuple([]));
                    break;
                case PickleOpcode.TUPLE:
                    _stack.Add(new PickleTuple(PopToMark()));
                    break;
                case PickleOpcode.TUPLE1 or PickleOpcode.TUPLE2 or PickleOpcode.TUPLE3:
                    _stack.Add(new PickleTuple(PopItems(op - PickleOpcode.TUPLE1 + 1)));
                    break;
                case PickleOpcode.SETITEM:
                    var value = PopItems(2);
                    SetItem(Peek<PickleDict>("SETITEM target"), value[0], value[1]);
                    break;
                case PickleOpcode.SETITEMS:
                    var items = PopToMark();
                    if (items.Length % 2 != 0) throw Refuse($"SETITEMS with an odd number of items ({items.Length})");
                    var dict = Peek<PickleDict>("SETITEMS target");
                    for (int i = 0; i < items.Length; i += 2) SetItem(dict, items[i], items[i + 1]);
                    break;
                case PickleOpcode.BINUNICODE:
                    _stack.Add(Text(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))));
                    break;
                case PickleOpcode.SHORT_BINUNICODE:
                    _stack.Add(Text(Byte()));
                    break;
                case PickleOpcode.BININT:
                    _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Bytes(4)));
                    break;
                case PickleOpcode.BININT1:
                    _stack.Add((long)Byte());
                    break;
                case PickleOpcode.BININT2:
                    _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2)));
                    break;
                case PickleOpcode.LONG1:
                    _stack.Add(Long1(Byte()));
                    break;
                case PickleOpcode.BINFLOAT:
                    _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Bytes(8)));
                    break;
                case PickleOpcode.NONE:
                    _stack.Add(null);
                    break;
                case PickleOpcode.NEWTRUE or PickleOpcode.NEWFALSE:
                    _stack.Add(op == PickleOpcode.NEWTRUE);
                    break;
                case PickleOpcode.BINPUT:
                    _memo[Byte()] = Top("BINPUT");
                    break;
                case PickleOpcode.LONG_BINPUT:
                    _memo[BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))] = Top("LONG_BINPUT");
                    break;
                case PickleOpcode.MEMOIZE:
                    _memo[_memo.Count] = Top("MEMOIZE");
                    break;
                case PickleOpcode.BINGET:
                    _stack.Add(Memo(Byte()));
                    break;
                case PickleOpcode.LONG_BINGET:
                    _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4))));
                    break;
                default:
                    throw Refuse(Enum.IsDefined(op)
                        ? $"opcode {op} is not one a state dict needs; the checkpoint is refused without running it"
                        : $"0x{(byte)op:x2} is not a pickle opcode");
            }
        }
    }

    /// <summary>Resolves GLOBAL <paramref name="module"/>.<paramref name="name"/> against the allow-list.</summary>
    private PickleGlobal Global(string module, string name)
    {
        if (module == PickleGlobal.OrderedDict.Module && name == PickleGlobal.OrderedDict.Name) return PickleGlobal.OrderedDict;
        if (module == PickleGlobal.RebuildTensor.Module && name == PickleGlobal.RebuildTensor.Name) return PickleGlobal.RebuildTensor;
        if (module == "torch" && name.EndsWith("Storage", StringComparison.Ordinal))
            return TorchStorageTypes.DTypeOf(name) is { } dtype
                ? new PickleGlobal(module, name, dtype)
                : throw Refuse($"GLOBAL torch.{name}: a storage type BertCore does not read (it reads {TorchStorageTypes.Loadable})");
        throw Refuse($"GLOBAL {module}.{name} is not allowed: a state dict needs only {PickleGlobal.OrderedDict}, " +
            $"{PickleGlobal.RebuildTensor} and torch storage types; the checkpoint is refused without running it");
    }

    /// <summary>A persistent id: ('storage', storage type, key, location, element count).</summary>
    private TorchStorageRef Storage(PickleTuple id)
    {
        if (id.Items is ["storage", PickleGlobal { StorageDType: { } dtype }, string key, string, long numel] && numel >= 0)
            return new TorchStorageRef(key, dtype, numel);
        throw Refuse($"persistent id ({Describe(id.Items)}) is not ('storage', storage type, key, location, element count)");
    }

    /// <summary>Calls one of the two allowed callables.</summary>
    private object Reduce(object callable, PickleTuple arguments)
    {
        if (ReferenceEquals(callable, PickleGlobal.OrderedDict))
            return arguments.Items.Length == 0
                ? new PickleDict()
                : throw Refuse($"REDUCE of {callable} with arguments ({Describe(arguments.Items)}); a state dict builds it empty");
        if (ReferenceEquals(callable, PickleGlobal.RebuildTensor))
        {
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            if (arguments.Items is [TorchStorageRef storage, long offset, PickleTuple size, PickleTuple stride, bool, PickleDict { Count: 0 }, ..] rest
                && rest.Length is 6 or 7 && (rest.Length == 6 || rest[6] is null or PickleDict)
                && Longs(size) is { } sizes && Longs(stride) is { } strides && sizes.Length == strides.Length)
                return new TorchTensorRef(storage, offset, sizes, strides);
            throw Refuse($"REDUCE of {callable} with arguments ({Describe(arguments.Items)}); expected (storage, offset, " +
                "size tuple, stride tuple of the same length, requires_grad, empty backward hooks[, metadata])");
        }
        throw Refuse($"REDUCE of {Describe(callable)}: not a callable a state dict needs; the checkpoint is refused without running it");
    }

    private static long[]? Longs(PickleTuple tuple) =>
        tuple.Items.All(i => i is long) ? tuple.Items.Select(i => (long)i!).ToArray() : null;

    private void SetItem(PickleDict dict, object? key, object? value) =>
        dict.Set(key as string ?? throw Refuse($"dict key {Describe(key)}; a state dict's keys are strings"), value);

    private object? Memo(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Refuse($"memo entry {index} was never stored");

    private T Pop<T>(string what)
    {
        var value = Peek<T>(what);
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private T Peek<T>(string what) =>
        Top(what) is T value ? value : throw Refuse($"{what} is {Describe(_stack[^1])}, not {TypeName<T>()}");

    private static string TypeName<T>() =>
        typeof(T) == typeof(PickleDict) ? "a dict" : typeof(T) == typeof(PickleTuple) ? "a tuple" : typeof(T) == typeof(string) ? "a str" : "an object";

    /// <summary>The object on top of the stack, above the last mark.</summary>
    private object? Top(string what) =>
        _stack.Count > (_marks.Count > 0 ? _marks[^1] : 0) ? _stack[^1] : throw Refuse($"{what}: the stack is empty");

    private object?[] PopItems(int count)
    {
        int floor = _marks.Count > 0 ? _marks[^1] : 0;
        if (_stack.Count - floor < count) throw Refuse($"needs {count} objects on the stack, has {_stack.Count - floor}");
        var items = _stack.GetRange(_stack.Count - count, count).ToArray();
        _stack.RemoveRange(_stack.Count - count, count);
        return items;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0) throw Refuse("no MARK to pop to");
        int mark = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(mark, _stack.Count - mark).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private long Long1(int length)
    {
        if (length > 8) throw Refuse($"LONG1 of {length} bytes; BertCore reads integers of up to 64 bits");
        var bytes = Bytes(length);
        long value = 0;
        for (int i = length - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (length is > 0 and < 8 && (bytes[length - 1] & 0x80) != 0) value -= 1L << (8 * length);   // two's complement
        return value;
    }

    private string Text(long length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes(length));
        }
        catch (DecoderFallbackException)
        {
            throw Refuse("a string that is not valid UTF-8");
        }
    }

    /// <summary>A GLOBAL operand: ASCII up to a newline.</summary>
    private string Line()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0) throw Refuse("GLOBAL operand without a newline: the pickle ends early");
        var line = Encoding.ASCII.GetString(_data, _position, end - _position);
        _position = end + 1;
        return line;
    }

    private byte Byte() => Bytes(1)[0];

    private ReadOnlySpan<byte> Bytes(long count)
    {
        if (count > _data.Length - _position)
            throw Refuse($"needs {count} more bytes, but the pickle ends after {_data.Length - _position}");
        var span = _data.AsSpan(_position, (int)count);
        _position += (int)count;
        return span;
    }

    private InvalidFileException Refuse(string problem) =>
        new(_path, null, $"{_record}, byte {_opcodeStart}: {problem}");

    /// <summary>Python-like descriptions of objects for messages.</summary>
    public static string Describe(params object?[] items) => string.Join(", ", items.Select(item => item switch
    {
        null => "None",
        string s => $"'{(s.Length > 40 ? s[..40] + "..." : s)}'",
        long or double => Convert.ToString(item, System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        PickleTuple t => $"a tuple of {t.Items.Length}",
        PickleDict d => $"a dict of {d.Count}",
        PickleGlobal g => g.ToString(),
        TorchStorageRef s => $"storage '{s.Key}'",
        TorchTensorRef => "a tensor",
        _ => item.GetType().Name,
    }));
}
