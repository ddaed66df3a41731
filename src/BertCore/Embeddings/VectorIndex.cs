using System.Text;
using BertCore.Backends.Cpu;
using BertCore.IO;

namespace BertCore.Embeddings;

/// <summary>
/// Precomputed vectors of documents and exact top-k search over them by dot product (the cosine similarity when the
/// vectors and queries are unit vectors, as an embedding model with normalization gives).
/// <para>
/// An index is a folder: <c>index.json</c> (format version, the fingerprint of the model that made the vectors, the
/// model folder for people to read, dimension, count, precision, generation), <c>vectors-G.safetensors</c> ("vectors"
/// F32 [N, D]; or I8 [N, D] with "scales" F32 [N]) read in place through a memory map, and <c>documents-G.jsonl</c>
/// (one <c>{"id", "text"}</c> per line, row order; held in memory once opened). <see cref="Add"/> writes generation
/// G + 1 beside G and then replaces index.json, the single step that commits it, so a process killed in an Add leaves
/// the index as it was (with stray files the next Add removes). One writer at a time; any number of searches run
/// concurrently, with each other and with an Add (they see the generation before it or after it). An instance sees
/// its own Adds; other instances, in this process or another, see them when they open the folder again.
/// </para>
/// <para>
/// Search is exact: every stored row is scored, on several threads for large indexes, and the k best are returned,
/// highest score first; equal scores are ordered by id, ordinal (char-by-char) ascending. Equal stored vectors score
/// the same bits, and a query scores the same alone or in a batch. With <see cref="VectorPrecision.Int8"/> the query
/// is not quantized: a row's score is its scale times the fp32 dot product of the query with its int8 values, so only
/// the stored vectors are approximated (each value within half a quantization step, scale / 2).
/// </para>
/// </summary>
public sealed unsafe class VectorIndex : IDisposable
{
    /// <summary>Rows scored per pass over a batch of queries: 256 rows of 384 fp32 values (384 KiB) stay in L2 while
    /// each query of the batch reads them.</summary>
    private const int BlockRows = 256;

    /// <summary>Fewest rows worth handing to a thread of their own.</summary>
    private const int MinRowsPerPart = 4096;

    private readonly string _dir;
    private readonly WorkerPool _pool;
    // Searches hold it for reading, Add for upgradeable reading, and for writing to swap generations; Dispose holds it
    // for writing to unmap, so no search or Add ever reads unmapped memory. It is never disposed: a search blocked on it when Dispose runs must see _disposed.
    private readonly ReaderWriterLockSlim _lock = new();
    private IndexGeneration _current;
    private bool _disposed;

    private VectorIndex(string dir, IndexGeneration current, int threads)
    {
        _dir = dir;
        _current = current;
        _pool = WorkerPool.Shared(threads == 0 ? Environment.ProcessorCount : threads);
    }

    /// <summary>
    /// Creates an empty index in the folder <paramref name="dir"/> (which must not exist, or be empty) and opens it.
    /// </summary>
    /// <param name="dir">The index folder.</param>
    /// <param name="modelFingerprint">An opaque string that identifies the model that makes the vectors (such as the
    /// embedder's <c>ModelFingerprint</c>); adds and searches must give the same one.</param>
    /// <param name="dimension">Values per vector (the embedder's <c>Dimension</c>).</param>
    /// <param name="precision">How the vectors are stored.</param>
    /// <param name="modelPath">The model folder, recorded in index.json for people (not checked).</param>
    /// <param name="threads">Threads per search, the caller's included; 0 means one per processor.</param>
    /// <exception cref="IOException"><paramref name="dir"/> exists and is not empty.</exception>
    /// <exception cref="ArgumentException">An empty fingerprint, or a dimension that is not positive.</exception>
    public static VectorIndex Create(string dir, string modelFingerprint, int dimension,
        VectorPrecision precision = VectorPrecision.Float32, string? modelPath = null, int threads = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelFingerprint);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            throw new IOException($"{dir} exists and is not empty: open an existing index with VectorIndex.Open, or create one in a new folder");
        var manifest = new IndexManifest(modelFingerprint, modelPath, dimension, 0, precision, 0);
        AtomicDirectory.Write(dir, temporary =>
        {
            IndexVectors.Write(Path.Combine(temporary, manifest.VectorsFile), null, 0, [], dimension, precision);
            IndexDocuments.Write(Path.Combine(temporary, manifest.DocumentsFile), null, []);
            manifest.Write(temporary);
        });
        return Open(dir, threads);
    }

    /// <summary>Opens the index in <paramref name="dir"/>, checking that index.json, the vectors and the documents agree
    /// (names, dtypes, shapes, counts, unique ids, finite vectors).</summary>
    /// <param name="dir">The index folder.</param>
    /// <param name="threads">Threads per search, the caller's included; 0 means one per processor.</param>
    /// <exception cref="InvalidFileException">A file is missing, malformed, truncated or disagrees with index.json; the
    /// message names it.</exception>
    public static VectorIndex Open(string dir, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        return new VectorIndex(dir, IndexGeneration.Open(dir), threads);
    }

    /// <summary>The index folder.</summary>
    public string Folder => _dir;

    /// <summary>The fingerprint of the model the vectors were made with.</summary>
    public string ModelFingerprint => Read(g => g.Manifest.ModelFingerprint);

    /// <summary>The model folder recorded when the index was created (informational), or null.</summary>
    public string? ModelPath => Read(g => g.Manifest.ModelPath);

    /// <summary>Values per vector.</summary>
    public int Dimension => Read(g => g.Manifest.Dimension);

    /// <summary>Documents in the index.</summary>
    public int Count => Read(g => g.Manifest.Count);

    /// <summary>How the vectors are stored.</summary>
    public VectorPrecision Precision => Read(g => g.Manifest.Precision);

    /// <summary>
    /// Adds <paramref name="documents"/> with their <paramref name="vectors"/> [n][D] (made by the index's model) and
    /// commits them to the folder. The whole index is rewritten (cost in proportion to its size): add in large batches.
    /// </summary>
    /// <exception cref="ArgumentException">Another model's fingerprint; counts that differ; a vector of another
    /// dimension, with a value that is not finite or an L2 norm above 1e15; an id that is empty, repeated or already in
    /// the index; an id or text that is not valid UTF-16. Nothing is added then.</exception>
    public void Add(string modelFingerprint, IReadOnlyList<(string Id, string Text)> documents, IReadOnlyList<float[]> vectors)
    {
        // Upgradeable: searches go on while the new generation is written from the old one's mapping; only the swap
        // waits for them (and for nothing else).
        _lock.EnterUpgradeableReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var old = _current;
            var m = old.Manifest;
            CheckModel(modelFingerprint, m);
            CheckAdded(documents, vectors, old);
            if (documents.Count == 0) return;
            var next = m with { Count = m.Count + documents.Count, Generation = m.Generation + 1 };
            try
            {
                IndexVectors.Write(Path.Combine(_dir, next.VectorsFile), old.Vectors, m.Count, vectors, m.Dimension, m.Precision);
                IndexDocuments.Write(Path.Combine(_dir, next.DocumentsFile), Path.Combine(_dir, m.DocumentsFile), documents);
                next.Write(_dir);   // the commit
            }
            catch
            {
                RemoveStrayFiles(m);
                throw;
            }
            var opened = IndexGeneration.Open(_dir);
            _lock.EnterWriteLock();
            try
            {
                _current = opened;
                old.Dispose();
            }
            finally
            {
                _lock.ExitWriteLock();
            }
            RemoveStrayFiles(next);
        }
        finally
        {
            _lock.ExitUpgradeableReadLock();
        }
    }

    /// <summary>The <paramref name="k"/> documents whose vectors have the highest dot product with
    /// <paramref name="query"/> [D], best first (fewer when the index holds fewer).</summary>
    /// <param name="query">The query's vector, made by the index's model.</param>
    /// <param name="k">Hits wanted (at least 1).</param>
    /// <param name="modelFingerprint">The fingerprint of the model that made <paramref name="query"/>.</param>
    /// <exception cref="ArgumentException">Another model's fingerprint, another dimension, a value that is not finite,
    /// an L2 norm above 1e15, or k below 1; the message names the index's model and dimension.</exception>
    public IReadOnlyList<SearchHit> Search(float[] query, int k, string modelFingerprint) =>
        Search([query], k, modelFingerprint)[0];

    /// <summary>The <paramref name="k"/> best documents for each of <paramref name="queries"/> [B][D], as
    /// <see cref="Search(float[], int, string)"/> returns them for each query alone (the same hits and bits), in one
    /// pass over the stored rows.</summary>
    /// <exception cref="ArgumentException">As for one query; the message names the query's index.</exception>
    public IReadOnlyList<SearchHit>[] Search(IReadOnlyList<float[]> queries, int k, string modelFingerprint)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        _lock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var g = _current;
            CheckModel(modelFingerprint, g.Manifest);
            int d = g.Manifest.Dimension;
            var packed = new float[(long)queries.Count * d];
            for (int q = 0; q < queries.Count; q++)
            {
                if (queries[q].Length != d)
                    throw new ArgumentException($"query {q} has {queries[q].Length} values, but index {_dir} holds {d}-dimensional vectors of model '{g.Manifest.ModelFingerprint}'", nameof(queries));
                if (IndexVectors.Problem(queries[q]) is { } problem) throw new ArgumentException($"query {q} {problem}", nameof(queries));
                queries[q].CopyTo(packed, (long)q * d);
            }
            return Scan(g, packed, queries.Count, k);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Unmaps the vectors; waits for searches under way. Later calls throw ObjectDisposedException.</summary>
    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
            _current.Dispose();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private IReadOnlyList<SearchHit>[] Scan(IndexGeneration g, float[] queries, int queryCount, int k)
    {
        int count = g.Manifest.Count;
        k = Math.Min(k, Math.Max(count, 1));   // a TopK reserves k places
        int parts = count == 0 ? 0 : Math.Min(_pool.Threads * 4, (count + MinRowsPerPart - 1) / MinRowsPerPart);
        var found = new TopK[parts][];
        for (int p = 0; p < parts; p++)
        {
            found[p] = new TopK[queryCount];
            for (int q = 0; q < queryCount; q++) found[p][q] = new TopK(k, g.IdRank);
        }
        fixed (float* packed = queries)
        {
            var job = new ScanJob(g.Vectors, packed, queryCount, count, g.Manifest.Dimension, parts, found);
            _pool.ForEach(parts, ref job);
        }
        var hits = new IReadOnlyList<SearchHit>[queryCount];
        for (int q = 0; q < queryCount; q++)
        {
            var best = new TopK(k, g.IdRank);
            for (int p = 0; p < parts; p++) best.OfferAll(found[p][q]);
            hits[q] = Array.ConvertAll(best.Sorted(), h => new SearchHit(g.Ids[h.Row], g.Texts[h.Row], h.Score));
        }
        return hits;
    }

    /// <summary>Part p of the rows, [count · p / parts, count · (p + 1) / parts), scored against every query into found[p].</summary>
    private readonly struct ScanJob(IndexVectors vectors, float* queries, int queryCount, int count, int d, int parts, TopK[][] found) : IRangeJob
    {
        public void Run(int start, int end)
        {
            float* scores = stackalloc float[BlockRows];
            for (int p = start; p < end; p++)
            {
                int first = (int)((long)count * p / parts), last = (int)((long)count * (p + 1) / parts);
                for (int block = first; block < last; block += BlockRows)
                {
                    int rows = Math.Min(BlockRows, last - block);
                    for (int q = 0; q < queryCount; q++)
                    {
                        float* query = queries + (long)q * d;
                        if (vectors.Floats != null) VectorScan.Dot(query, vectors.Floats + (long)block * d, rows, d, scores);
                        else VectorScan.Dot(query, vectors.Bytes + (long)block * d, vectors.Scales + block, rows, d, scores);
                        var top = found[p][q];
                        for (int r = 0; r < rows; r++) top.Offer(scores[r], block + r);
                    }
                }
            }
        }
    }

    private void CheckModel(string modelFingerprint, IndexManifest m)
    {
        if (modelFingerprint != m.ModelFingerprint)
            throw new ArgumentException(
                $"the vectors come from model '{modelFingerprint}', but index {_dir} was built with model '{m.ModelFingerprint}'{(m.ModelPath is null ? "" : $" ({m.ModelPath})")}: use that model, or build a new index",
                nameof(modelFingerprint));
    }

    private void CheckAdded(IReadOnlyList<(string Id, string Text)> documents, IReadOnlyList<float[]> vectors, IndexGeneration g)
    {
        if (documents.Count != vectors.Count)
            throw new ArgumentException($"{documents.Count} documents but {vectors.Count} vectors", nameof(vectors));
        int d = g.Manifest.Dimension;
        var ids = new HashSet<string>(g.Ids, StringComparer.Ordinal);
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        for (int i = 0; i < documents.Count; i++)
        {
            var (id, text) = documents[i];
            if (string.IsNullOrEmpty(id)) throw new ArgumentException($"document {i} has no id", nameof(documents));
            if (text is null) throw new ArgumentException($"document {i} (id \"{id}\") has no text", nameof(documents));
            if (!IsValidText(strict, id) || !IsValidText(strict, text))
                throw new ArgumentException($"document {i} (id \"{id}\") has an id or text that is not valid UTF-16 (an unpaired surrogate)", nameof(documents));
            if (!ids.Add(id))
                throw new ArgumentException(
                    Array.IndexOf(g.Ids, id) >= 0 ? $"document {i}: id \"{id}\" is already in index {_dir}" : $"document {i}: id \"{id}\" is given twice",
                    nameof(documents));
            if (vectors[i] is null || vectors[i].Length != d)
                throw new ArgumentException($"vector {i} has {vectors[i]?.Length ?? 0} values, but index {_dir} holds {d}-dimensional vectors of model '{g.Manifest.ModelFingerprint}'", nameof(vectors));
            if (IndexVectors.Problem(vectors[i]) is { } problem) throw new ArgumentException($"vector {i} (id \"{id}\") {problem}", nameof(vectors));
        }
    }

    private static bool IsValidText(Encoding strict, string s)
    {
        try
        {
            strict.GetByteCount(s);
            return true;
        }
        catch (EncoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>Removes the files of older generations and temporary files of interrupted writes (best effort: a file
    /// still open elsewhere may stay until the next Add).</summary>
    private void RemoveStrayFiles(IndexManifest current)
    {
        foreach (string path in Directory.EnumerateFiles(_dir))
        {
            string name = Path.GetFileName(path);
            bool data = name.StartsWith("vectors-", StringComparison.Ordinal) || name.StartsWith("documents-", StringComparison.Ordinal)
                || name.StartsWith(IndexManifest.FileName + ".tmp-", StringComparison.Ordinal);
            if (!data || name == current.VectorsFile || name == current.DocumentsFile) continue;
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private T Read<T>(Func<IndexGeneration, T> field)
    {
        _lock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return field(_current);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }
}
