using BertCore.Autograd;
using BertCore.Backends;
using BertCore.IO;
using BertCore.Tensors;

namespace BertCore.Nn.Bert;

/// <summary>Outputs of the encoder for one batch (arena tensors: valid until the graph's Reset). A value type,
/// so a forward pass allocates nothing on the managed heap.</summary>
public readonly struct BertOutput
{
    /// <summary>[B, S, H].</summary>
    public required Tensor LastHiddenState { get; init; }
    /// <summary>tanh(dense(h[:, 0])) [B, H], or null when the model has no pooler.</summary>
    public Tensor? PoolerOutput { get; init; }
    /// <summary>Embeddings output then each layer's output, L + 1 tensors [B, S, H]; the last is
    /// <see cref="LastHiddenState"/> (in a pre-LayerNorm model the last layer's output after the final LayerNorm).</summary>
    public required IReadOnlyList<Tensor> HiddenStates { get; init; }
}

/// <summary>Outputs of <see cref="BertEncoder.ForwardPacked"/> for N packed sequences of T tokens in all (arena tensors:
/// valid until the graph's Reset).</summary>
public readonly struct PackedOutput
{
    /// <summary>[T, H]: sequence n in rows Offsets[n] .. Offsets[n+1]-1.</summary>
    public required Tensor LastHiddenState { get; init; }
    /// <summary>[N+1] the first row of each sequence, then T (the batch's <see cref="PackedBatch.Offsets"/>).</summary>
    public required int[] Offsets { get; init; }
    /// <summary>tanh(dense(h[first row of each sequence])) [N, H], or null when the model has no pooler.</summary>
    public Tensor? PoolerOutput { get; init; }
    /// <summary>Embeddings output then each layer's output, L + 1 tensors [T, H]; the last is <see cref="LastHiddenState"/>
    /// (after the final LayerNorm in a pre-LayerNorm model).</summary>
    public required IReadOnlyList<Tensor> HiddenStates { get; init; }
}

/// <summary>
/// The BERT encoder (Hugging Face BertModel, parameters under "bert."): embeddings, L layers, in a pre-LayerNorm
/// model (<see cref="BertConfig.IsPreLayerNorm"/>) a final LayerNorm "bert.encoder.LayerNorm", and the optional
/// pooler. Thread-safe for inference when each thread uses its own <see cref="Graph"/>.
/// </summary>
public sealed class BertEncoder : Module
{
    public BertEncoder(BertConfig config, bool withPooler = true, string name = "bert") : base(name)
    {
        config.Validate();
        Config = config;
        Embeddings = AddModule(new BertEmbeddings(Join(name, "embeddings"), config));
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => AddModule(new BertLayer(Join(name, $"encoder.layer.{i}"), config))).ToArray();
        FinalNorm = config.IsPreLayerNorm
            ? AddModule(new LayerNorm(Join(name, "encoder.LayerNorm"), config.HiddenSize, config.LayerNormEps)) : null;
        Pooler = withPooler ? AddModule(new Linear(Join(name, "pooler.dense"), config.HiddenSize, config.HiddenSize)) : null;
    }

    public BertConfig Config { get; }
    public BertEmbeddings Embeddings { get; }
    public IReadOnlyList<BertLayer> Layers { get; }

    /// <summary>The LayerNorm over the last layer's output of a pre-LayerNorm model, before the pooler and the heads; null
    /// in a post-LayerNorm model.</summary>
    public LayerNorm? FinalNorm { get; }
    public Linear? Pooler { get; }

    public BertOutput Forward(Graph g, BertBatch batch)
    {
        int b = batch.Batch, s = batch.SequenceLength;
        if (s > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence length {s} exceeds max_position_embeddings {Config.MaxPositionEmbeddings}");
        var ids = g.Input(batch.InputIds, b, s);
        var types = g.Input(batch.TokenTypeIds, b, s);
        var positions = g.Input(batch.PositionIds(g.HostScratch(b * s)), b, s);
        var mask = g.Input(batch.AttentionMask, b, s);

        var hidden = g.Arena.AllocateList(Layers.Count + 1);
        hidden[0] = Embeddings.Forward(g, ids, types, positions);
        for (int i = 0; i < Layers.Count; i++) hidden[i + 1] = Layers[i].Forward(g, hidden[i], mask);
        var last = hidden[^1] = Final(g, hidden[^1]);
        return new BertOutput
        {
            LastHiddenState = last,
            PoolerOutput = Pooler == null ? null : g.Tanh(Pooler.Forward(g, FirstTokens(g, last))),
            HiddenStates = hidden,
        };
    }

    /// <summary>
    /// Whether <see cref="ForwardPacked"/> runs on <paramref name="backend"/>: on the host backends (CPU and
    /// reference). The GPU backend has no attention kernel over ragged sequences, so GPU callers pad.
    /// </summary>
    public static bool SupportsPacked(IBackend backend) => backend.Device == DeviceKind.Cpu;

    /// <summary>
    /// The encoder for inference on packed sequences (no padding anywhere): every Linear, LayerNorm, GELU and residual
    /// on the [T, H] token rows, attention within each sequence, positions counted per sequence. Equal to
    /// <see cref="Forward"/> on the same sequences padded (within rounding), and each sequence's rows are the same bits
    /// whatever other sequences share the batch. Run it under <see cref="Graph.NoGrad"/> (there is no backward): then each
    /// layer's intermediates are freed once its output exists (<see cref="Arena.Keep"/>), so the arena holds the L + 1
    /// hidden states and one layer's work, not every layer's. Dropout is off whatever the graph's training flag (inference).
    /// </summary>
    /// <exception cref="ArgumentException">A sequence is longer than max_position_embeddings.</exception>
    /// <exception cref="NotSupportedException">The graph's backend cannot pack (<see cref="SupportsPacked"/>).</exception>
    public PackedOutput ForwardPacked(Graph g, PackedBatch batch)
    {
        if (batch.LongestSequence > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence length {batch.LongestSequence} exceeds max_position_embeddings {Config.MaxPositionEmbeddings}");
        int t = batch.Tokens;
        bool training = g.Training;
        g.Training = false;
        try
        {
            var ids = g.Input(batch.InputIds, t);
            var types = g.Input(batch.TokenTypeIds, t);
            var positions = g.Input(batch.PositionIds(g.HostScratch(t)), t);
            var offsets = g.Input(batch.Offsets, batch.Count + 1);
            var hidden = g.Arena.AllocateList(Layers.Count + 1);
            hidden[0] = Embeddings.Forward(g, ids, types, positions);
            for (int i = 0; i < Layers.Count; i++)
            {
                // Without a tape nothing reads a layer's intermediates once its output exists: the arena frees them, so
                // it holds the hidden states and one layer's work at a time.
                var mark = g.Arena.Mark();
                var output = Layers[i].ForwardPacked(g, hidden[i], offsets);
                hidden[i + 1] = g.IsRecording ? output : g.Arena.Keep(mark, output);
            }
            var last = hidden[^1] = Final(g, hidden[^1]);
            return new PackedOutput
            {
                LastHiddenState = last,
                Offsets = batch.Offsets,
                PoolerOutput = Pooler == null ? null : g.Tanh(Pooler.Forward(g, FirstTokens(g, last, batch))),
                HiddenStates = hidden,
            };
        }
        finally
        {
            g.Training = training;
        }
    }

    /// <summary>The last layer's output h [..., H] → the final LayerNorm of h in a pre-LayerNorm model, h itself otherwise.</summary>
    private Tensor Final(Graph g, Tensor h) => FinalNorm == null ? h : FinalNorm.Forward(g, h);

    /// <summary>
    /// Sets every dropout of the encoder (after the embeddings, after each sublayer, on the attention probabilities) to
    /// <paramref name="probability"/> for this instance only: <see cref="Config"/>, and so the config.json a trainer saves,
    /// keep theirs (e.g. pretraining with dropout off as Cramming does, fine-tuning later with the config's 0.1).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The probability is outside [0, 1).</exception>
    public void OverrideDropout(float probability)
    {
        if (!(probability >= 0 && probability < 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "dropout is a probability in [0, 1)");
        Embeddings.OverrideDropout(probability);
        foreach (var layer in Layers) layer.OverrideDropout(probability);
    }

    /// <summary>h [T, H] of a packed batch → each sequence's first token ([CLS]) [N, H].</summary>
    public static Tensor FirstTokens(Graph g, Tensor h, PackedBatch batch) =>
        g.GatherRows(h, g.Input(batch.Offsets.AsSpan(0, batch.Count), batch.Count));

    /// <summary>h [B, S, H] → h[:, 0] [B, H].</summary>
    public static Tensor FirstTokens(Graph g, Tensor h)
    {
        int b = h.Shape[0], s = h.Shape[1], width = h.Shape[2];
        Span<int> rows = b <= 1024 ? stackalloc int[b] : new int[b];
        for (int i = 0; i < b; i++) rows[i] = i * s;
        return g.GatherRows(g.Reshape(h, b * s, width), g.Input(rows, b));
    }

    /// <summary>Hugging Face initialization from a seed: normal(0, initializer_range) weights, zero biases.</summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        Embeddings.Initialize(Config.InitializerRange, random);
        foreach (var layer in Layers) layer.Initialize(Config.InitializerRange, random);
        FinalNorm?.Initialize();
        Pooler?.Initialize(Config.InitializerRange, random);
    }
}
