using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// Semantic search end to end: a corpus embedded once into a <see cref="VectorIndex"/>, then queries embedded by the
/// same <see cref="SentenceEmbedder"/> and answered by exact top-k over the stored vectors.
/// </summary>
/// <example>
/// <code>
/// using var embedder = SentenceEmbedder.Load("models/minilm-l6");
/// using var index = SemanticSearch.IndexCorpus(embedder, "corpus.jsonl", "corpus.index");
/// foreach (var hit in index.Search(embedder, ["how do I reset my password?"], k: 5)[0])
///     Console.WriteLine($"{hit.Score:F3} {hit.Id} {hit.Text}");
/// </code>
/// </example>
public static class SemanticSearch
{
    /// <summary>
    /// Embeds every text of <paramref name="corpusPath"/> (the formats of <see cref="EmbeddingInputs"/>: text lines,
    /// ids = line numbers; or JSONL with "text" and optional "id") and adds them to the index in
    /// <paramref name="indexDir"/>: an existing index is opened and extended (it must have been built with the same
    /// model), a new one is created with <paramref name="precision"/>. The index is rewritten atomically once, at the end.
    /// </summary>
    /// <param name="progress">Receives (texts embedded, texts in all) as the embedding goes.</param>
    /// <returns>The index, open (dispose it).</returns>
    /// <exception cref="InvalidFileException">The corpus or the existing index is malformed.</exception>
    /// <exception cref="ArgumentException">The existing index was built by another model, or an id repeats one in
    /// the corpus or the index: nothing is added then, and a folder this call created is removed.</exception>
    public static VectorIndex IndexCorpus(SentenceEmbedder embedder, string corpusPath, string indexDir,
        VectorPrecision precision = VectorPrecision.Float32, IProgress<(int Done, int Total)>? progress = null)
    {
        var inputs = EmbeddingInputs.Read(corpusPath);
        bool exists = Directory.Exists(indexDir) && Directory.EnumerateFileSystemEntries(indexDir).Any();
        var index = exists ? VectorIndex.Open(indexDir) : null;
        try
        {
            if (index != null) CheckModel(index, embedder);
            var vectors = EmbeddingFile.Embed(embedder, inputs, progress);
            index ??= VectorIndex.Create(indexDir, embedder.ModelFingerprint, embedder.Dimension, precision, Path.GetFullPath(embedder.Directory));
            index.Add(embedder.ModelFingerprint, inputs.Select(i => (i.Id, i.Text)).ToArray(), vectors);
            return index;
        }
        catch
        {
            index?.Dispose();
            if (!exists && Directory.Exists(indexDir)) Directory.Delete(indexDir, recursive: true);   // no empty index left behind
            throw;
        }
    }

    /// <summary>The <paramref name="k"/> best documents for each of <paramref name="queries"/>, embedded by
    /// <paramref name="embedder"/> (which must be the index's model).</summary>
    /// <exception cref="ArgumentException">The embedder is not the model the index was built with.</exception>
    public static IReadOnlyList<SearchHit>[] Search(this VectorIndex index, SentenceEmbedder embedder, IReadOnlyList<string> queries, int k)
    {
        CheckModel(index, embedder);
        return index.Search(embedder.Embed(queries), k, embedder.ModelFingerprint);
    }

    /// <summary>Fails before any embedding work when <paramref name="embedder"/> is not the index's model.</summary>
    private static void CheckModel(VectorIndex index, SentenceEmbedder embedder)
    {
        if (index.ModelFingerprint != embedder.ModelFingerprint)
            throw new ArgumentException($"index {index.Folder} was built with model '{index.ModelFingerprint}' ({index.ModelPath ?? "folder not recorded"}); " +
                $"{embedder.Directory} is '{embedder.ModelFingerprint}': search and extend an index with the model that built it");
    }
}
