using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>
/// ELECTRA's generator: a small masked-LM that reads the discriminator's embeddings (word, position, token type and
/// their LayerNorm: the same <see cref="Parameter"/> objects, so both models' gradients add up in them), runs its own
/// layers ("bert.encoder.layer.{i}", fewer and/or narrower than the discriminator's) and its own MLM head
/// ("cls.predictions", decoder tied to the shared word embeddings). Its parameters carry Hugging Face
/// BertForPreTraining names, so that saved on its own it is an MLM model folder.
/// </summary>
public sealed class ElectraGenerator : Module
{
    private readonly HashSet<Parameter> _shared;

    /// <param name="config">The generator's configuration: the discriminator's with its own layer count and
    /// intermediate size (the hidden size must be the embeddings' width).</param>
    /// <param name="embeddings">The discriminator's embeddings, shared (not owned: not disposed here).</param>
    /// <exception cref="ArgumentException">The hidden size differs from the embeddings' width.</exception>
    public ElectraGenerator(BertConfig config, BertEmbeddings embeddings) : base("")
    {
        config.Validate();
        if (embeddings.Word.Weight.Shape[1] != config.HiddenSize)
            throw new ArgumentException($"the generator's hidden size {config.HiddenSize} differs from the shared embeddings' {embeddings.Word.Weight.Shape[1]}");
        Config = config;
        Embeddings = embeddings;
        _shared = embeddings.Parameters().ToHashSet();
        foreach (var p in _shared) AddShared(p);
        Layers = Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => AddModule(new BertLayer($"bert.encoder.layer.{i}", config))).ToArray();
        FinalNorm = config.IsPreLayerNorm ? AddModule(new LayerNorm("bert.encoder.LayerNorm", config.HiddenSize, config.LayerNormEps)) : null;
        Mlm = AddModule(new MlmHead(config, embeddings.Word.Weight));
    }

    public BertConfig Config { get; }

    /// <summary>The discriminator's embeddings.</summary>
    public BertEmbeddings Embeddings { get; }

    public IReadOnlyList<BertLayer> Layers { get; }

    /// <summary>The LayerNorm after the last layer of a pre-LayerNorm configuration (as <see cref="BertEncoder.FinalNorm"/>), else null.</summary>
    public LayerNorm? FinalNorm { get; }

    public MlmHead Mlm { get; }

    /// <summary>The generator's own parameters: its layers and MLM head, without the shared embeddings.</summary>
    public IEnumerable<Parameter> OwnParameters() => Parameters().Where(p => !_shared.Contains(p));

    /// <summary>The last hidden state [B, S, H] of the (masked) batch.</summary>
    public Tensor Forward(Graph g, BertBatch batch)
    {
        int b = batch.Batch, s = batch.SequenceLength;
        var ids = g.Input(batch.InputIds, b, s);
        var types = g.Input(batch.TokenTypeIds, b, s);
        var positions = g.Input(batch.PositionIds(g.HostScratch(b * s)), b, s);
        var mask = g.Input(batch.AttentionMask, b, s);
        var h = Embeddings.Forward(g, ids, types, positions);
        foreach (var layer in Layers) h = layer.Forward(g, h, mask);
        return FinalNorm == null ? h : FinalNorm.Forward(g, h);
    }

    /// <summary>Hugging Face initialization of the generator's own parameters (the shared embeddings are left alone).</summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        foreach (var layer in Layers) layer.Initialize(Config.InitializerRange, random);
        FinalNorm?.Initialize();
        Mlm.Initialize(Config.InitializerRange, random);
    }

    /// <summary>Disposes the generator's own parameters; the shared embeddings belong to the discriminator.</summary>
    public override void Dispose()
    {
        foreach (var p in OwnParameters()) p.Dispose();
        GC.SuppressFinalize(this);
    }
}
