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

    private sealed record Item(string Name, byte[] Utf8Name, int Rank, Tensor Tensor);

    /// <summary>
    /// Writes <paramref name="tensors"/> (F32 or I32, on any device) and the optional string <paramref name="metadata"/>
    /// to <paramref name="path"/> atomically (see <see cref="AtomicFile"/>). Tensor bytes are streamed from
    /// native memory (device tensors through a host buffer, <see cref="Storage.CopyToHost"/>). Metadata entries are written in ordinal key order (the reference writes them in hash order,
    /// so files with more than one entry are equal in content, not necessarily in bytes).
    /// </summary>
    /// <exception cref="ArgumentException">A name is repeated or reserved.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var items = Prepare(tensors);
        byte[] header = Header(items, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            byte[]? chunk = null;   // device tensors come through host memory one chunk at a time
            foreach (var item in items)
            {
                var t = item.Tensor;
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
        });
    }

    /// <summary>Checks the tensors and sorts them into file order.</summary>
    private static List<Item> Prepare(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var items = new List<Item>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"'{name}' is reserved for metadata and cannot name a tensor", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"tensor '{name}' is given twice", nameof(tensors));
            items.Add(new Item(name, Encoding.UTF8.GetBytes(name), SafeTensorsDTypes.WriteRank(tensor.DType), tensor));
        }
        items.Sort((a, b) =>
        {
            int byType = b.Rank.CompareTo(a.Rank);
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
            JsonText.AppendString(json, items[i].Name)
                .Append(":{\"dtype\":\"").Append(SafeTensorsDTypes.NameOf(t.DType))
                .Append("\",\"shape\":[").AppendJoin(',', t.Shape.ToArray())
                .Append("],\"data_offsets\":[").Append(offset).Append(',').Append(offset + t.Bytes).Append("]}");
            offset += t.Bytes;
        }
        json.Append('}');

        int length = Encoding.UTF8.GetByteCount(json.ToString());
        json.Append(' ', (8 - length % 8) % 8);
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
