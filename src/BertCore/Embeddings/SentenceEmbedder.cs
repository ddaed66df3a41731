using System.Collections.Concurrent;
using System.Security.Cryptography;
using BertCore.Autograd;
using BertCore.Backends;
using BertCore.Backends.Cpu;
using BertCore.Checkpoints;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Text;
using Encoding = BertCore.Text.Encoding;

namespace BertCore.Embeddings;

/// <summary>Texts of one <see cref="SentenceEmbedder.Embed(IReadOnlyList{string}, CancellationToken)"/> call that
/// were longer than <see cref="SentenceEmbedder.MaxLength"/> tokens and were cut to it (the end is dropped).</summary>
/// <param name="Count">How many texts of the call were cut.</param>
/// <param name="MaxLength">The length they were cut to, in tokens.</param>
public sealed record TruncatedTexts(int Count, int MaxLength);

/// <summary>
/// Sentence embeddings: text → tokens → BERT encoder → pooling (mean, [CLS] or max over the tokens, as
/// sentence-transformers' Pooling module) → optional L2 normalization, one vector of <see cref="Dimension"/> floats
/// per text. Loads any BertCore or imported model folder: a bare encoder, a fine-tuned task folder (its encoder;
/// the head is ignored), or an embedding folder with <see cref="EmbeddingPooling"/> files.
/// </summary>
/// <remarks>
/// Thread-safe on the CPU backend: each call runs on its own <see cref="Graph"/> and only reads the parameters.
/// Texts are batched by length (longest first), so a batch holds little padding; the vectors come back in input
/// order. A text longer than <see cref="MaxLength"/> tokens is truncated, and each call that truncated any raises
/// <see cref="TextsTruncated"/> once with the count.
/// </remarks>
/// <example>
/// <code>
/// using var embedder = SentenceEmbedder.Load("/models/minilm-l6", new SentenceEmbedderOptions { Normalize = true });
/// float[] v = embedder.Embed("A man is playing a guitar.");   // 384 floats, unit norm
/// </code>
/// </example>
public sealed partial class SentenceEmbedder : IDisposable
{
    private readonly BertEncoder _encoder;

    /// <summary>Graphs (each with its arena) of finished calls, reused by the next ones, as <see cref="Inference.TaskModel"/>
    /// does: a fresh arena per call would fault in its activations' memory again each time.</summary>
    private readonly ConcurrentBag<Graph> _graphs = [];

    private SentenceEmbedder(string directory, BertEncoder encoder, BertTokenizer tokenizer, IBackend backend, EmbeddingPooling pooling,
        int batchSize, int maxLength, string fingerprint)
    {
        Directory = directory;
        _encoder = encoder;
        Tokenizer = tokenizer;
        Backend = backend;
        Pooling = pooling;
        BatchSize = batchSize;
        MaxLength = maxLength;
        ModelFingerprint = fingerprint;
    }

    /// <summary>
    /// Loads the encoder of the model folder <paramref name="dir"/> (config.json, model.safetensors or
    /// pytorch_model.bin, vocab.txt; tokenizer_config.json's do_lower_case when present, else uncased). Pooling and
    /// normalization come from <paramref name="options"/> when set, else from the folder's modules.json and
    /// 1_Pooling/config.json (<see cref="EmbeddingPooling.Read"/>), else mean pooling without normalization
    /// (what sentence-transformers builds around a plain Hugging Face model). Texts are cut at
    /// <see cref="SentenceEmbedderOptions.MaxLength"/>, else at sentence_bert_config.json's max_seq_length
    /// (<see cref="SentenceBertConfig"/>), else at the model's positions.
    /// </summary>
    /// <exception cref="InvalidFileException">A file of the folder is malformed, or an encoder tensor is missing or has another shape.</exception>
    /// <exception cref="FileNotFoundException">config.json, vocab.txt or the weights file is missing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A batch size below 1, or a maximum length outside 2 … max_position_embeddings.</exception>
    /// <exception cref="ArgumentException">Int8 on a backend other than the CPU's.</exception>
    public static SentenceEmbedder Load(string dir, SentenceEmbedderOptions? options = null)
    {
        options ??= new SentenceEmbedderOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1);
        if (options.Precision == InferencePrecision.Int8 && options.Backend is not (null or CpuBackend))
            throw new ArgumentException($"int8 inference runs on the CPU backend only, not on {options.Backend.Name}");
        var config = ModelDirectory.LoadConfig(dir);
        int maxLength = options.MaxLength ?? Math.Min(SentenceBertConfig.MaxSeqLength(dir) ?? int.MaxValue, config.MaxPositionEmbeddings);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, config.MaxPositionEmbeddings);
        var stored = EmbeddingPooling.Read(dir);
        var pooling = new EmbeddingPooling(options.Pooling ?? stored?.Mode ?? PoolingMode.Mean, options.Normalize ?? stored?.Normalize ?? false);
        string vocab = ModelDirectory.VocabPath(dir);
        var tokenizer = BertTokenizer.FromVocabFile(vocab, TokenizerConfig.DoLowerCase(dir) ?? true);
        if (tokenizer.Vocabulary.Count > config.VocabSize)
            throw new InvalidFileException(vocab, null, $"has {tokenizer.Vocabulary.Count} tokens but the model's vocab_size is {config.VocabSize}");
        string weights = ModelDirectory.WeightsPath(dir);
        var encoder = new BertEncoder(config, withPooler: false);
        try
        {
            Checkpoint.LoadWeights(encoder, weights);
            var backend = options.Backend ?? new CpuBackend();
            backend.Adopt(encoder.Parameters());
            encoder.FreezeForInference(options.Precision);
            return new SentenceEmbedder(dir, encoder, tokenizer, backend, pooling, options.BatchSize, maxLength,
                Fingerprint(weights, pooling, options.Precision));
        }
        catch
        {
            encoder.Dispose();
            throw;
        }
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Directory { get; }

    /// <summary>The length of every vector: the model's hidden size.</summary>
    public int Dimension => _encoder.Config.HiddenSize;

    /// <summary>
    /// Identifies the vectors this embedder makes, so that stored vectors are only compared with vectors of the
    /// same model: <c>sha256:HEX/POOLING/normalized</c> (or <c>/unnormalized</c>), where HEX is the SHA-256 of the
    /// weights file (lower-case hex), POOLING is mean, cls or max, followed by <c>/int8</c> for an int8 embedder. Two
    /// folders with byte-identical weights and the same pooling get the same fingerprint.
    /// </summary>
    public string ModelFingerprint { get; }

    /// <summary>The pooling and normalization in use.</summary>
    public EmbeddingPooling Pooling { get; }

    /// <summary>The model's tokenizer.</summary>
    public BertTokenizer Tokenizer { get; }

    /// <summary>Where the encoder runs.</summary>
    public IBackend Backend { get; }

    /// <summary>Texts per forward pass.</summary>
    public int BatchSize { get; }

    /// <summary>Longest input in tokens, [CLS] and [SEP] included.</summary>
    public int MaxLength { get; }

    /// <summary>Raised once by each <see cref="Embed(IReadOnlyList{string}, CancellationToken)"/> call that truncated
    /// at least one text, on the calling thread, before it returns.</summary>
    public event EventHandler<TruncatedTexts>? TextsTruncated;

    /// <summary>The vector of one text.</summary>
    public float[] Embed(string text) => Embed([text])[0];

    /// <summary>The vectors of <paramref name="texts"/>, [N][<see cref="Dimension"/>], in input order. An empty text is
    /// embedded as [CLS] [SEP] (as sentence-transformers does); <c>bertcore embed</c> refuses empty lines instead.</summary>
    /// <param name="cancellationToken">Checked before each batch.</param>
    /// <exception cref="OperationCanceledException">Cancelled between two batches.</exception>
    public float[][] Embed(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        var encodings = new Encoding[texts.Count];
        int truncated = 0;
        for (int i = 0; i < encodings.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i]);
            encodings[i] = Tokenizer.Encode(texts[i], null, MaxLength, Truncation.None);
            if (encodings[i].Length <= MaxLength) continue;
            truncated++;
            encodings[i] = Tokenizer.Encode(texts[i], null, MaxLength, Truncation.LongestFirst);
        }
        var vectors = new float[texts.Count][];
        var graph = _graphs.TryTake(out var idle) ? idle : new Graph(Backend) { Training = false };
        try
        {
            using var noGrad = graph.NoGrad();
            foreach (int[] rows in LengthBucketSampler.InOrder(encodings.Select(e => e.Length).ToArray(), BatchSize))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var pooled = EncodeBatch(graph, rows.Select(r => encodings[r]).ToArray());
                for (int b = 0; b < rows.Length; b++)
                    vectors[rows[b]] = Finish(pooled.AsSpan(b * Dimension, Dimension));
            }
        }
        finally
        {
            _graphs.Add(graph);   // EncodeBatch leaves its arena empty
        }
        if (truncated > 0) TextsTruncated?.Invoke(this, new TruncatedTexts(truncated, MaxLength));
        return vectors;
    }

    /// <summary>
    /// The pooled vectors [B·H] of one batch of encodings (similar lengths): the one place the encoder runs. On the CPU
    /// the sequences are packed back to back (<see cref="BertEncoder.ForwardPacked"/>: no padding, and each text's
    /// vector the same bits whatever its batch); elsewhere each is padded to the longest. Each sequence is pooled over
    /// its own tokens (<see cref="TokenPooling"/>). Leaves the graph's arena empty.
    /// </summary>
    private float[] EncodeBatch(Graph g, IReadOnlyList<Encoding> rows)
    {
        int b = rows.Count, h = Dimension;
        var pooled = new float[b * h];   // [B, H]
        try
        {
            if (BertEncoder.SupportsPacked(Backend))
            {
                var offsets = new int[b + 1];
                for (int r = 0; r < b; r++) offsets[r + 1] = offsets[r] + rows[r].Length;
                var packed = new PackedBatch(rows.SelectMany(e => e.Ids).ToArray(), offsets);
                var hidden = new float[offsets[b] * h];   // [T, H]
                g.Backend.Download(_encoder.ForwardPacked(g, packed).LastHiddenState, hidden);
                for (int r = 0; r < b; r++)
                    TokenPooling.Pool(Pooling.Mode, hidden.AsSpan(offsets[r] * h, rows[r].Length * h), pooled.AsSpan(r * h, h));
                return pooled;
            }
            int s = rows.Max(e => e.Length);
            var ids = new int[b * s];
            var mask = new int[b * s];
            Array.Fill(ids, Tokenizer.Vocabulary.PadId);
            for (int r = 0; r < b; r++)
                for (int t = 0; t < rows[r].Length; t++)
                {
                    ids[r * s + t] = rows[r].Ids[t];
                    mask[r * s + t] = 1;
                }
            var padded = new float[b * s * h];   // [B, S, H]
            g.Backend.Download(_encoder.Forward(g, new BertBatch(b, s, ids, null, mask)).LastHiddenState, padded);
            for (int r = 0; r < b; r++)
                TokenPooling.Pool(Pooling.Mode, padded.AsSpan(r * s * h, rows[r].Length * h), pooled.AsSpan(r * h, h));
            return pooled;
        }
        finally
        {
            g.Reset();
        }
    }

    /// <summary>A copy of one pooled vector, scaled to unit L2 norm when <see cref="EmbeddingPooling.Normalize"/>
    /// (a zero vector stays zero, as torch.nn.functional.normalize leaves it).</summary>
    private float[] Finish(ReadOnlySpan<float> pooled)
    {
        var vector = pooled.ToArray();
        if (!Pooling.Normalize) return vector;
        double squares = 0;
        foreach (float x in vector) squares += (double)x * x;
        double scale = 1 / Math.Max(Math.Sqrt(squares), 1e-12);
        for (int i = 0; i < vector.Length; i++) vector[i] = (float)(vector[i] * scale);
        return vector;
    }

    private static string Fingerprint(string weights, EmbeddingPooling pooling, InferencePrecision precision)
    {
        using var stream = File.OpenRead(weights);
        string hash = Convert.ToHexStringLower(SHA256.HashData(stream));
        return $"sha256:{hash}/{EmbeddingPooling.Name(pooling.Mode)}/{(pooling.Normalize ? "normalized" : "unnormalized")}" +
            (precision == InferencePrecision.Int8 ? "/int8" : "");
    }

    /// <summary>Frees the encoder's weights and the graphs' memory.</summary>
    public void Dispose()
    {
        while (_graphs.TryTake(out var graph)) graph.Dispose();
        _encoder.Dispose();
    }
}
