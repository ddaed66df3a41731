using System.Text.Json;
using System.Text.Unicode;

namespace BertCore.IO;

/// <summary>One tensor of a safetensors file, validated: its bytes are [Begin, End) of the data section.</summary>
internal sealed record SafeTensorsEntry(string Name, string DType, int[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates the JSON header of a safetensors file. Every number is checked before it is used, so a
/// header that lies about sizes or offsets is rejected without allocating anything in proportion to its claims.
/// </summary>
internal static class SafeTensorsHeader
{
    /// <summary>The reference implementation's limit on the header's length.</summary>
    public const long MaxBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// The tensors of a header, ordered by their place in the data section, and its string metadata.
    /// <paramref name="dataBytes"/> is the length of the data section that follows the header.
    /// </summary>
    public static (List<SafeTensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(
        string path, byte[] json, long dataBytes)
    {
        using var document = ParseJson(path, json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidFileException(path, null, $"the header is a JSON {Kind(root)}, not an object");

        var entries = new List<SafeTensorsEntry>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw new InvalidFileException(path, null, $"tensor '{property.Name}' appears twice in the header");
            if (property.Name == MetadataKey)
                ReadMetadata(path, property.Value, metadata);
            else
                entries.Add(ReadEntry(path, property.Name, property.Value, dataBytes));
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin)
            : a.End != b.End ? a.End.CompareTo(b.End)
            : string.CompareOrdinal(a.Name, b.Name));
        CheckNoOverlap(path, entries);
        return (entries, metadata);
    }

    private static JsonDocument ParseJson(string path, byte[] json)
    {
        // JsonDocument checks UTF-8 only when a string is read; check all of it before trusting any of it.
        if (!Utf8.IsValid(json))
            throw new InvalidFileException(path, null, "the header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, null, $"the header is not valid JSON ({e.Message})", e);
        }
        try
        {
            JsonStrings.DecodeAll(document.RootElement);
            return document;
        }
        catch (InvalidOperationException e)
        {
            document.Dispose();
            throw new InvalidFileException(path, null, $"the header has a JSON string that is not valid text ({e.Message})", e);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new InvalidFileException(path, null, $"'{MetadataKey}' is a JSON {Kind(value)}, not a map of strings");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw new InvalidFileException(path, null,
                    $"'{MetadataKey}' entry '{item.Name}' is a JSON {Kind(item.Value)}, not a string");
            metadata[item.Name] = item.Value.GetString()!;
        }
    }

    private static SafeTensorsEntry ReadEntry(string path, string name, JsonElement value, long dataBytes)
    {
        InvalidFileException Bad(string problem) => new(path, null, $"tensor '{name}': {problem}");

        if (value.ValueKind != JsonValueKind.Object)
            throw Bad($"the entry is a JSON {Kind(value)}, not an object");

        if (!value.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Bad("\"dtype\" is missing or not a string");
        string dtype = dtypeElement.GetString()!;
        if (!SafeTensorsDTypes.TryGetSize(dtype, out int elementSize))
            throw Bad($"unknown dtype \"{dtype}\"");

        if (!value.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Bad("\"shape\" is missing or not an array");
        var shape = new int[shapeElement.GetArrayLength()];
        int d = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (!TryGetInteger(dim, out long n) || n < 0)
                throw Bad($"dimension {d} of \"shape\" is {dim.GetRawText()}, not a non-negative integer");
            if (n > int.MaxValue)
                throw Bad($"dimension {d} of \"shape\" is {n}, larger than BertCore supports ({int.MaxValue})");
            shape[d++] = (int)n;
        }

        if (!value.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !TryGetInteger(offsets[0], out long begin) || !TryGetInteger(offsets[1], out long end)
            || begin < 0 || end < begin)
            throw Bad("\"data_offsets\" must be [begin, end] with 0 <= begin <= end");

        long expected;
        try
        {
            expected = elementSize;
            foreach (int n in shape) expected = checked(expected * n);
        }
        catch (OverflowException)
        {
            throw Bad($"shape {Format(shape)} of {dtype} has more bytes than a 64-bit count can hold");
        }
        if (expected != end - begin)
            throw Bad($"shape {Format(shape)} of {dtype} needs {expected} bytes but data_offsets [{begin}, {end}] hold {end - begin}");
        if (end > dataBytes)
            throw Bad($"data_offsets [{begin}, {end}] run past the end of the data section ({dataBytes} bytes)");

        return new SafeTensorsEntry(name, dtype, shape, begin, end);
    }

    /// <summary>Entries are sorted by offset, so each non-empty range must start at or after the furthest end so far.</summary>
    private static void CheckNoOverlap(string path, List<SafeTensorsEntry> entries)
    {
        SafeTensorsEntry? furthest = null;
        foreach (var e in entries)
        {
            if (e.Begin == e.End) continue;
            if (furthest is not null && e.Begin < furthest.End)
                throw new InvalidFileException(path, null,
                    $"tensors '{furthest.Name}' [{furthest.Begin}, {furthest.End}) and '{e.Name}' [{e.Begin}, {e.End}) overlap");
            if (furthest is null || e.End > furthest.End) furthest = e;
        }
    }

    private static bool TryGetInteger(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value);
    }

    private static string Kind(JsonElement element) => element.ValueKind.ToString().ToLowerInvariant();

    public static string Format(int[] shape) => "[" + string.Join(", ", shape) + "]";
}
