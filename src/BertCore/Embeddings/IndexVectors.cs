using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// The vectors of one generation of a vector index, read in place from its memory-mapped safetensors file: "vectors"
/// F32 [N, D], or I8 [N, D] with "scales" F32 [N] (row r ≈ scales[r] · vectors[r]). Checked when opened: names,
/// dtypes and shapes against index.json, and every row finite with an L2 norm of at most <see cref="MaxNorm"/>.
/// </summary>
internal sealed unsafe class IndexVectors : IDisposable
{
    /// <summary>The largest L2 norm of a stored vector or a query: with both at most 1e15, no partial sum of a dot
    /// product can overflow fp32 (1e30 · √D ≪ 3.4e38).</summary>
    public const float MaxNorm = 1e15f;

    public const string VectorsName = "vectors";
    public const string ScalesName = "scales";

    private readonly SafeTensorsFile _file;
    private readonly MappedTensor _vectors;
    private readonly MappedTensor? _scales;

    private IndexVectors(SafeTensorsFile file, MappedTensor vectors, MappedTensor? scales)
    {
        _file = file;
        _vectors = vectors;
        _scales = scales;
    }

    /// <summary>Rows of fp32 values [N, D] (fp32 index), else null.</summary>
    public float* Floats => _scales is null ? (float*)_vectors.Pointer : null;

    /// <summary>Rows of int8 values [N, D] (int8 index), else null.</summary>
    public sbyte* Bytes => _scales is null ? null : (sbyte*)_vectors.Pointer;

    /// <summary>The per-row scales [N] (int8 index), else null.</summary>
    public float* Scales => _scales is null ? null : (float*)_scales.Pointer;

    /// <summary>Maps and checks the vectors file of <paramref name="manifest"/> in <paramref name="dir"/>.</summary>
    /// <exception cref="InvalidFileException">The file is missing, not safetensors, truncated, or disagrees with index.json.</exception>
    public static IndexVectors Open(string dir, IndexManifest manifest)
    {
        string path = Path.Combine(dir, manifest.VectorsFile);
        string manifestPath = Path.Combine(dir, IndexManifest.FileName);
        if (!File.Exists(path)) throw new InvalidFileException(path, null, $"is missing ({manifestPath} names it)");
        var file = SafeTensorsFile.Open(path);
        MappedTensor? vectors = null, scales = null;
        try
        {
            bool int8 = manifest.Precision == VectorPrecision.Int8;
            vectors = MapChecked(file, path, VectorsName, int8 ? "I8" : "F32", [manifest.Count, manifest.Dimension], manifestPath, manifest);
            if (int8) scales = MapChecked(file, path, ScalesName, "F32", [manifest.Count], manifestPath, manifest);
            var opened = new IndexVectors(file, vectors, scales);
            opened.CheckRows(path, manifest.Count, manifest.Dimension);
            return opened;
        }
        catch
        {
            scales?.Dispose();
            vectors?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a vectors file at <paramref name="path"/> (atomically): the rows of <paramref name="previous"/> (null for
    /// none; <paramref name="previousCount"/> rows), then <paramref name="added"/> [n][D] stored at <paramref name="precision"/>.
    /// </summary>
    public static void Write(string path, IndexVectors? previous, int previousCount, IReadOnlyList<float[]> added,
        int dimension, VectorPrecision precision)
    {
        int count = previousCount + added.Count;
        if (precision == VectorPrecision.Float32)
        {
            SafeTensorsWriter.WriteRaw(path, [new RawTensor(VectorsName, "F32", [count, dimension], stream =>
            {
                if (previous is not null) CopyBytes(previous._vectors, stream);
                foreach (var row in added) stream.Write(MemoryMarshal.AsBytes(row.AsSpan()));
            })]);
            return;
        }
        var bytes = new sbyte[added.Count * dimension];
        var scales = new float[added.Count];
        for (int i = 0; i < added.Count; i++) scales[i] = Int8Rows.Quantize(added[i], bytes.AsSpan(i * dimension, dimension));
        SafeTensorsWriter.WriteRaw(path,
        [
            new RawTensor(VectorsName, "I8", [count, dimension], stream =>
            {
                if (previous is not null) CopyBytes(previous._vectors, stream);
                stream.Write(MemoryMarshal.AsBytes(bytes.AsSpan()));
            }),
            new RawTensor(ScalesName, "F32", [count], stream =>
            {
                if (previous is not null) CopyBytes(previous._scales!, stream);
                stream.Write(MemoryMarshal.AsBytes(scales.AsSpan()));
            }),
        ]);
    }

    /// <summary>Why <paramref name="vector"/> cannot be stored or searched with (a value not finite, or an L2 norm
    /// above <see cref="MaxNorm"/>), or null when it can.</summary>
    public static string? Problem(ReadOnlySpan<float> vector)
    {
        // NaN or ∞ when a value is; at most MaxNorm² (false for NaN) only when every value is finite.
        float squares = TensorPrimitives.SumOfSquares(vector);
        if (squares <= MaxNorm * MaxNorm) return null;
        foreach (float v in vector)
            if (!float.IsFinite(v)) return $"has a value that is not finite ({v})";
        return $"has an L2 norm above {MaxNorm:G}";
    }

    private static MappedTensor MapChecked(SafeTensorsFile file, string path, string name, string dtype, int[] shape,
        string manifestPath, IndexManifest manifest)
    {
        if (!file.Contains(name)) throw new InvalidFileException(path, null, $"has no tensor '{name}'");
        var info = file.Info(name);
        if (info.DType != dtype || !info.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidFileException(path, null,
                $"tensor '{name}' is {info.DType} {SafeTensorsHeader.Format(info.Shape)}, but {manifestPath} ({manifest.Precision.Name()}, count {manifest.Count}, dimension {manifest.Dimension}) needs {dtype} {SafeTensorsHeader.Format(shape)}");
        return file.Map(name);
    }

    /// <summary>Every fp32 row passes <see cref="Problem"/>; every int8 scale is finite, non-negative and at most MaxNorm / 127.</summary>
    private void CheckRows(string path, int count, int dimension)
    {
        for (int r = 0; r < count; r++)
        {
            string? problem = _scales is null
                ? Problem(new ReadOnlySpan<float>(Floats + (long)r * dimension, dimension))
                : Scales[r] is >= 0f and <= MaxNorm / 127f ? null : $"has scale {Scales[r]:G}, not in [0, {MaxNorm / 127f:G}]";
            if (problem is not null) throw new InvalidFileException(path, null, $"row {r} of tensor '{VectorsName}' {problem}");
        }
    }

    private static void CopyBytes(MappedTensor tensor, Stream stream)
    {
        const int Chunk = 1 << 24;
        for (long offset = 0; offset < tensor.Bytes; offset += Chunk)
            stream.Write(new ReadOnlySpan<byte>(tensor.Pointer + offset, (int)Math.Min(Chunk, tensor.Bytes - offset)));
    }

    /// <summary>Unmaps the file.</summary>
    public void Dispose()
    {
        _scales?.Dispose();
        _vectors.Dispose();
        _file.Dispose();
    }
}
