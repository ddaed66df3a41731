namespace BertCore.Embeddings;

/// <summary>
/// One committed generation of a vector index, opened: its index.json, its memory-mapped vectors, the documents'
/// ids and texts (held in memory), and each row's id rank for breaking score ties.
/// </summary>
internal sealed class IndexGeneration : IDisposable
{
    private IndexGeneration(IndexManifest manifest, IndexVectors vectors, string[] ids, string[] texts)
    {
        Manifest = manifest;
        Vectors = vectors;
        Ids = ids;
        Texts = texts;
        var byId = new int[ids.Length];
        for (int i = 0; i < byId.Length; i++) byId[i] = i;
        Array.Sort(byId, (a, b) => string.CompareOrdinal(ids[a], ids[b]));
        IdRank = new int[ids.Length];
        for (int i = 0; i < byId.Length; i++) IdRank[byId[i]] = i;
    }

    public IndexManifest Manifest { get; }

    public IndexVectors Vectors { get; }

    /// <summary>[N]: row r's document id.</summary>
    public string[] Ids { get; }

    /// <summary>[N]: row r's document text.</summary>
    public string[] Texts { get; }

    /// <summary>[N]: the place of row r's id among all ids in ordinal order (ties in score go to the lower rank).</summary>
    public int[] IdRank { get; }

    /// <summary>Opens the generation that <c>DIR/index.json</c> names, checking that its files agree with it.</summary>
    /// <exception cref="BertCore.IO.InvalidFileException">index.json, the vectors or the documents are malformed or disagree.</exception>
    public static IndexGeneration Open(string dir)
    {
        var manifest = IndexManifest.Read(dir);
        var vectors = IndexVectors.Open(dir, manifest);
        try
        {
            var (ids, texts) = IndexDocuments.Read(Path.Combine(dir, manifest.DocumentsFile), manifest.Count,
                Path.Combine(dir, IndexManifest.FileName));
            return new IndexGeneration(manifest, vectors, ids, texts);
        }
        catch
        {
            vectors.Dispose();
            throw;
        }
    }

    /// <summary>Unmaps the vectors.</summary>
    public void Dispose() => Vectors.Dispose();
}
