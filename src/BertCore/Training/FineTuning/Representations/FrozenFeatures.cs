using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// Feature-based training with a frozen encoder: every encoder parameter is frozen, the encoder's features
/// (<see cref="PooledSequenceClassifier.Features"/>, dropout off) of the training and dev data are computed once
/// and kept in a cache file, and the head then trains from the cache without running the encoder.
/// </summary>
/// <remarks>
/// The cache file is <c>frozen-features-KEY.safetensors</c> (one tensor "features" [rows, width]) where KEY is a
/// SHA-256 over the pooling, every encoder parameter's name and values, and the token ids and segment ids of every
/// row of the data in order — so a different model, data, tokenization, sequence length or pooling never reads a
/// stale file. Rows are found again by their token ids and segment ids.
/// </remarks>
public sealed class FrozenFeatures
{
    private const string TensorName = "features";
    private const int BatchSize = 64;
    private readonly Dictionary<string, int> _rows;
    private readonly float[] _table;

    private FrozenFeatures(Dictionary<string, int> rows, float[] table, int width, string path, bool fromCache)
    {
        _rows = rows;
        _table = table;
        Width = width;
        Path = path;
        FromCache = fromCache;
    }

    /// <summary>Values per row.</summary>
    public int Width { get; }

    /// <summary>The cache file.</summary>
    public string Path { get; }

    /// <summary>Whether the features were read from an existing cache file (false: computed and written).</summary>
    public bool FromCache { get; }

    /// <summary>Rows cached (distinct encodings).</summary>
    public int Count => _rows.Count;

    /// <summary>
    /// Freezes the network's encoder, then reads the features of <paramref name="data"/> from the cache file in
    /// <paramref name="cacheDirectory"/> or computes and writes it, and sets the network's <see cref="PooledSequenceNetwork.Cache"/>.
    /// </summary>
    /// <param name="progress">Rows done of the rows to compute (only when computing).</param>
    public static FrozenFeatures Attach(IBackend backend, PooledSequenceNetwork network, IReadOnlyList<TaskData> data, string cacheDirectory,
        IProgress<Text.WorkProgress>? progress = null)
    {
        foreach (var p in network.Encoder.Parameters()) p.Trainable = false;
        var model = network.Pooled;
        int width = model.FeatureWidth, total = data.Sum(d => d.Count);
        var batches = data.SelectMany((d, i) => LengthBucketSampler.InOrder(d.Lengths, BatchSize).Select(rows => (Data: i, Rows: rows))).ToArray();

        var keys = new string[total];
        var offsets = new int[data.Count];
        for (int i = 1; i < data.Count; i++) offsets[i] = offsets[i - 1] + data[i - 1].Count;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{model.Pooling}|{width}|"));
        foreach (var p in network.Encoder.Parameters())
        {
            hash.AppendData(Encoding.UTF8.GetBytes(p.Name));
            var values = new float[p.Value.Count];   // through the backend: the encoder may live on a GPU
            backend.Download(p.Value, values);
            hash.AppendData(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        foreach (var (d, rows) in batches)
        {
            var inputs = data[d].Batch(rows, withTargets: false).Inputs;
            for (int b = 0; b < rows.Length; b++)
            {
                string key = RowKey(inputs, b);
                keys[offsets[d] + rows[b]] = key;
                hash.AppendData(MemoryMarshal.AsBytes(key.AsSpan()));
            }
        }
        string name = "frozen-features-" + Convert.ToHexStringLower(hash.GetHashAndReset())[..16] + ".safetensors";
        string path = System.IO.Path.Combine(cacheDirectory, name);

        float[]? table = TryRead(path, total, width);
        bool fromCache = table != null;
        if (table == null)
        {
            table = Compute(backend, network, data, batches, offsets, width, total, progress);
            Directory.CreateDirectory(cacheDirectory);
            using var tensor = Tensor.FromArray(table, total, width);
            SafeTensorsWriter.Write(path, [KeyValuePair.Create(TensorName, tensor)]);
        }
        var index = new Dictionary<string, int>(total);
        for (int row = 0; row < total; row++) index.TryAdd(keys[row], row);
        var cache = new FrozenFeatures(index, table, width, path, fromCache);
        network.Cache = cache;
        return cache;
    }

    /// <summary>The cached features of each row of <paramref name="batch"/>: [B, <see cref="Width"/>].</summary>
    /// <exception cref="InvalidOperationException">A row that was not cached.</exception>
    public Tensor Lookup(Graph g, BertBatch batch)
    {
        var host = new float[batch.Batch * Width];
        for (int b = 0; b < batch.Batch; b++)
        {
            if (!_rows.TryGetValue(RowKey(batch, b), out int row))
                throw new InvalidOperationException($"row {b} of the batch is not in the frozen-feature cache {Path} (only the training and dev data are cached)");
            _table.AsSpan(row * Width, Width).CopyTo(host.AsSpan(b * Width));
        }
        return g.Input(host, batch.Batch, Width);
    }

    private static float[] Compute(IBackend backend, PooledSequenceNetwork network, IReadOnlyList<TaskData> data, (int Data, int[] Rows)[] batches,
        int[] offsets, int width, int total, IProgress<Text.WorkProgress>? progress)
    {
        var table = new float[(long)total * width];
        var host = new float[BatchSize * width];
        using var g = new Graph(backend);
        using var noGrad = g.NoGrad();
        int done = 0;
        foreach (var (d, rows) in batches)
        {
            var features = network.Pooled.Features(g, data[d].Batch(rows, withTargets: false).Inputs).Features;
            backend.Download(features, host.AsSpan(0, rows.Length * width));
            for (int b = 0; b < rows.Length; b++)
                host.AsSpan(b * width, width).CopyTo(table.AsSpan((offsets[d] + rows[b]) * width));
            g.Reset();
            done += rows.Length;
            progress?.Report(new Text.WorkProgress("frozen encoder features", done, total));
        }
        return table;
    }

    /// <summary>The cached table when the file exists and holds [rows, width] floats; null otherwise.</summary>
    private static float[]? TryRead(string path, int rows, int width)
    {
        if (!File.Exists(path)) return null;
        using var file = SafeTensorsFile.Open(path);
        if (!file.Contains(TensorName) || !file.Info(TensorName).Shape.SequenceEqual([rows, width])) return null;
        using var tensor = file.Read(TensorName);
        return tensor.ToArray();
    }

    /// <summary>A row's identity: its token ids then its segment ids, up to its last real token.</summary>
    private static string RowKey(BertBatch batch, int b)
    {
        int s = batch.SequenceLength, length = 0;
        for (int t = 0; t < s; t++)
            if (batch.AttentionMask[b * s + t] != 0) length = t + 1;
        var ids = MemoryMarshal.Cast<int, char>(batch.InputIds.AsSpan(b * s, length));
        var types = MemoryMarshal.Cast<int, char>(batch.TokenTypeIds.AsSpan(b * s, length));
        return string.Concat(ids, types);
    }
}
