using System.Buffers.Binary;
using System.Text;
using BertCore.Tensors;

namespace BertCore.IO;

/// <summary>
/// Writes safetensors files byte-compatible with the reference implementation (the Python/Rust
/// <c>safetensors</c> library): tensors ordered by dtype alignment descending, then by name (UTF-8 bytes);
/// compact JSON header with keys dtype, shape, data_offsets; header padded with spaces to a multiple of 8 bytes.
/// </summary>
public static unsafe class SafeTensorsWriter
{
    private const int CopyChunk = 1 << 20;

    private sealed record Item(byte[] Utf8Name, RawTensor Tensor);

    /// <summary>
    /// Writes <paramref name="tensors"/> (F32 or I32, on any device) and the optional string <paramref name="metadata"/>
    /// to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>). Tensor bytes are streamed from
    /// native memory (device tensors through a host buffer, <see cref="Storage.CopyToHost"/>). Metadata entries are written in ordinal key order (the reference writes them in hash order,
    /// so files with more than one entry are equal in content, not necessarily in bytes).
    /// </summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null) =>
        WriteRaw(path, tensors.Select(p => new RawTensor(p.Key, SafeTensorsDTypes.NameOf(p.Value.DType), p.Value.Shape.ToArray(),
            stream => CopyBytes(p.Value, stream))).ToList(), metadata);

    /// <summary>
    /// Writes tensors given by their stored dtype, shape and a writer of their bytes (for data that is not a
    /// <see cref="Tensor"/>, such as I8 rows or rows streamed from another file), atomically, in the reference's order.
    /// </summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved, or a dtype is unknown.</exception>
    /// <exception cref="InvalidOperationException">A tensor's writer wrote another number of bytes than its shape holds.</exception>
    internal static void WriteRaw(string path, IReadOnlyList<RawTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = Prepare(tensors);
        byte[] header = Header(items, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (var item in items)
            {
                long start = stream.Position;
                item.Tensor.WriteData(stream);
                if (stream.Position - start != Bytes(item.Tensor))
                    throw new InvalidOperationException(
                        $"tensor '{item.Tensor.Name}' ({item.Tensor.DType} {SafeTensorsHeader.Format(item.Tensor.Shape)}) needs {Bytes(item.Tensor)} bytes, but {stream.Position - start} were written");
            }
        });
    }

    /// <summary>Streams a tensor's bytes from native memory (device tensors through a host buffer).</summary>
    private static void CopyBytes(Tensor t, Stream stream)
    {
        byte[]? chunk = null;
        for (long offset = 0; offset < t.Bytes; offset += CopyChunk)
        {
            int count = (int)Math.Min(CopyChunk, t.Bytes - offset);
            if (t.Storage is CpuStorage cpu)
                stream.Write(new ReadOnlySpan<byte>(cpu.Pointer + t.ByteOffset + offset, count));
            else
            {
                chunk ??= new byte[CopyChunk];
                t.Storage.CopyToHost(t.ByteOffset + offset, chunk.AsSpan(0, count));
                stream.Write(chunk, 0, count);
            }
        }
    }

    private static long Bytes(RawTensor t)
    {
        SafeTensorsDTypes.TryGetSize(t.DType, out int size);
        return t.Shape.Aggregate((long)size, (bytes, n) => checked(bytes * n));
    }

    /// <summary>Checks the tensors and sorts them into file order.</summary>
    private static List<Item> Prepare(IEnumerable<RawTensor> tensors)
    {
        var items = new List<Item>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in tensors)
        {
            if (tensor.Name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"'{tensor.Name}' is reserved for metadata and cannot name a tensor", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"tensor '{tensor.Name}' is given twice", nameof(tensors));
            if (!SafeTensorsDTypes.TryGetSize(tensor.DType, out _))
                throw new ArgumentException($"tensor '{tensor.Name}': unknown dtype \"{tensor.DType}\"", nameof(tensors));
            items.Add(new Item(Encoding.UTF8.GetBytes(tensor.Name), tensor));
        }
        items.Sort((a, b) =>
        {
            int byType = SafeTensorsDTypes.WriteRank(b.Tensor.DType).CompareTo(SafeTensorsDTypes.WriteRank(a.Tensor.DType));
            return byType != 0 ? byType : a.Utf8Name.AsSpan().SequenceCompareTo(b.Utf8Name);
        });
        return items;
    }

    /// <summary>The JSON header as the reference's serde_json writes it, padded with spaces to a multiple of 8.</summary>
    private static byte[] Header(List<Item> items, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new StringBuilder("{");
        if (metadata is not null)
        {
            json.Append('"').Append(SafeTensorsHeader.MetadataKey).Append("\":{");
            bool first = true;
            foreach (var key in metadata.Keys.Order(StringComparer.Ordinal))
            {
                if (!first) json.Append(',');
                first = false;
                JsonText.AppendString(json, key).Append(':');
                JsonText.AppendString(json, metadata[key]);
            }
            json.Append('}');
            if (items.Count > 0) json.Append(',');
        }
        long offset = 0;
        for (int i = 0; i < items.Count; i++)
        {
            var t = items[i].Tensor;
            if (i > 0) json.Append(',');
            JsonText.AppendString(json, t.Name)
                .Append(":{\"dtype\":\"").Append(t.DType)
                .Append("\",\"shape\":[").AppendJoin(',', t.Shape)
                .Append("],\"data_offsets\":[").Append(offset).Append(',').Append(offset + Bytes(t)).Append("]}");
            offset += Bytes(t);
        }
        json.Append('}');

        int length = Encoding.UTF8.GetByteCount(json.ToString());
        json.Append(' ', (8 - length % 8) % 8);
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}

/// <summary>A tensor to write, given as its stored dtype (the format's name: "F32", "I8", ...), its shape, and a
/// writer of its row-major little-endian bytes.</summary>
internal sealed record RawTensor(string Name, string DType, int[] Shape, Action<Stream> WriteData);
