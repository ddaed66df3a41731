using BertCore.Embeddings;
using BertCore.IO;

namespace BertCore.Tests.Embeddings;

/// <summary>The int8 rows and scales an int8 index stores, read straight from its current vectors file.</summary>
internal static unsafe class StoredInt8
{
    /// <summary>rows [n][d] and scales [n].</summary>
    public static (sbyte[][] Rows, float[] Scales) Read(string dir, int n, int d)
    {
        string path = Path.Combine(dir, IndexManifest.Read(dir).VectorsFile);
        using var file = SafeTensorsFile.Open(path);
        using var scales = file.Read("scales");
        using var bytes = file.Map("vectors");
        var rows = new sbyte[n][];
        for (int r = 0; r < n; r++) rows[r] = new ReadOnlySpan<sbyte>((sbyte*)bytes.Pointer + (long)r * d, d).ToArray();
        return (rows, scales.ToArray());
    }
}
