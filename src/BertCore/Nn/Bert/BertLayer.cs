using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Adapters;
using BertCore.Tensors;

namespace BertCore.Nn.Bert;

/// <summary>
/// One encoder layer (prefix "bert.encoder.layer.{i}"). Post-LayerNorm (Hugging Face's BERT):
/// a = LN1(h + dropout(dense(attention(h)))); out = LN2(a + dropout(dense(gelu(dense(a))))).
/// Pre-LayerNorm (<see cref="BertConfig.IsPreLayerNorm"/>): a = h + dropout(dense(attention(LN1(h))));
/// out = a + dropout(dense(gelu(dense(LN2(a))))), LN1 and LN2 keeping the names "attention.output.LayerNorm" and
/// "output.LayerNorm". With <see cref="AddAdapters"/> (Houlsby) the adapter wraps each sublayer's dropout output,
/// before the residual addition: a = LN1(h + adapter(dropout(dense(attention(h))))) (pre-LN: a = h + adapter(...))
/// and likewise after the feed-forward output.
/// </summary>
public sealed class BertLayer : Module
{
    private readonly int _heads;
    private readonly bool _preLayerNorm;
    private float _hiddenDropout, _attentionDropout;
    private StackedLinear? _attentionInputs;   // Query, Key, Value stacked [3H, H] once frozen (OnFrozen), else null

    public BertLayer(string name, BertConfig config) : base(name)
    {
        int h = config.HiddenSize, i = config.IntermediateSize;
        bool bias = config.EncoderLinearBias;
        Query = AddModule(new Linear(Join(name, "attention.self.query"), h, h, bias));
        Key = AddModule(new Linear(Join(name, "attention.self.key"), h, h, bias));
        Value = AddModule(new Linear(Join(name, "attention.self.value"), h, h, bias));
        AttentionOutput = AddModule(new Linear(Join(name, "attention.output.dense"), h, h, bias));
        AttentionNorm = AddModule(new LayerNorm(Join(name, "attention.output.LayerNorm"), h, (float)config.LayerNormEps));
        Intermediate = AddModule(new Linear(Join(name, "intermediate.dense"), h, i, bias));
        Output = AddModule(new Linear(Join(name, "output.dense"), i, h, bias));
        OutputNorm = AddModule(new LayerNorm(Join(name, "output.LayerNorm"), h, (float)config.LayerNormEps));
        _heads = config.NumAttentionHeads;
        _preLayerNorm = config.IsPreLayerNorm;
        _hiddenDropout = (float)config.HiddenDropoutProb;
        _attentionDropout = (float)config.AttentionProbsDropoutProb;
    }

    public Linear Query { get; }
    public Linear Key { get; }
    public Linear Value { get; }
    public Linear AttentionOutput { get; }
    /// <summary>LN1: after the attention residual (post-LN), or on the layer's input before attention (pre-LN).</summary>
    public LayerNorm AttentionNorm { get; }
    public Linear Intermediate { get; }
    public Linear Output { get; }
    /// <summary>LN2: after the feed-forward residual (post-LN), or on the feed-forward input (pre-LN).</summary>
    public LayerNorm OutputNorm { get; }

    /// <summary>The adapter after the attention output (parameters "attention.output.adapter.*"), or null.</summary>
    public BottleneckAdapter? AttentionAdapter { get; private set; }

    /// <summary>The adapter after the feed-forward output (parameters "output.adapter.*"), or null.</summary>
    public BottleneckAdapter? OutputAdapter { get; private set; }

    /// <summary>Inserts Houlsby adapters of bottleneck <paramref name="size"/> after both sublayers, before the
    /// residual connection and LayerNorm (zero-filled: initialize or load them).</summary>
    public void AddAdapters(int size)
    {
        if (AttentionAdapter != null) throw new InvalidOperationException($"{Name} already has adapters");
        AttentionAdapter = AddModule(new BottleneckAdapter(Join(Name, "attention.output.adapter"), AttentionOutput.OutFeatures, size));
        OutputAdapter = AddModule(new BottleneckAdapter(Join(Name, "output.adapter"), Output.OutFeatures, size));
    }

    /// <summary>h [B, S, H], mask I32 [B, S] → [B, S, H]. Frozen for inference and not training: q, k, v from one
    /// stacked product (<see cref="OnFrozen"/>).</summary>
    public Tensor Forward(Graph g, Tensor h, Tensor mask)
    {
        var x = AttentionInput(g, h);
        return AfterAttention(g, h, _attentionInputs != null && !g.Training
            ? g.AttentionQkv(_attentionInputs.Forward(g, x), mask, _heads)
            : g.Attention(Query.Forward(g, x), Key.Forward(g, x), Value.Forward(g, x), mask, _heads, _attentionDropout));
    }

    /// <summary>Inference on packed sequences: h [T, H], offsets I32 [N+1] (<see cref="PackedBatch.Offsets"/>) → [T, H].
    /// Every op but attention works on token rows alone; attention keeps to each sequence (<see cref="Graph.PackedAttention"/>).
    /// Frozen for inference: q, k, v from one stacked product (<see cref="OnFrozen"/>).</summary>
    public Tensor ForwardPacked(Graph g, Tensor h, Tensor offsets)
    {
        var x = AttentionInput(g, h);
        return AfterAttention(g, h, _attentionInputs != null
            ? g.PackedAttentionQkv(_attentionInputs.Forward(g, x), offsets, _heads)
            : g.PackedAttention(Query.Forward(g, x), Key.Forward(g, x), Value.Forward(g, x), offsets, _heads));
    }

    /// <summary>What the query, key and value projections read: the layer's input h [..., H] (post-LN) or LN1(h) (pre-LN).</summary>
    public Tensor AttentionInput(Graph g, Tensor h) => _preLayerNorm ? AttentionNorm.Forward(g, h) : h;

    /// <summary>
    /// Frozen with its weights in host memory (and <paramref name="fuse"/>): Query, Key and Value stacked into one
    /// product [T, 3H] that attention reads in place (<see cref="Graph.AttentionQkv"/>), so h is read once, and in int8
    /// quantized once, instead of three times. Weights on the GPU stay apart (its attention reads separate q, k, v).
    /// </summary>
    private protected override void OnFrozen(InferencePrecision precision, bool fuse)
    {
        _attentionInputs?.Dispose();
        _attentionInputs = fuse && Query.Weight.Value.Device == DeviceKind.Cpu ? new StackedLinear([Query, Key, Value], precision) : null;
    }

    /// <summary>Whether the frozen layer runs Query, Key and Value as one stacked product (<see cref="OnFrozen"/>).</summary>
    internal bool StacksAttentionInputs => _attentionInputs != null;

    public override void Dispose()
    {
        _attentionInputs?.Dispose();
        base.Dispose();
    }

    /// <summary>The layer after self-attention: h and context [..., H] (token rows, padded or packed) → [..., H].</summary>
    private Tensor AfterAttention(Graph g, Tensor h, Tensor context)
    {
        var attention = g.Dropout(AttentionOutput.Forward(g, context), _hiddenDropout);
        if (AttentionAdapter != null) attention = AttentionAdapter.Forward(g, attention);
        var a = _preLayerNorm ? g.Add(h, attention) : AttentionNorm.Forward(g, attention, h);
        var feedForward = g.Dropout(Output.Forward(g, Intermediate.Forward(g, _preLayerNorm ? OutputNorm.Forward(g, a) : a, gelu: true)), _hiddenDropout);
        if (OutputAdapter != null) feedForward = OutputAdapter.Forward(g, feedForward);
        return _preLayerNorm ? g.Add(a, feedForward) : OutputNorm.Forward(g, feedForward, a);
    }

    /// <summary>Sets the dropout after each sublayer and on the attention probabilities of this instance (the config
    /// keeps its values; see <see cref="BertEncoder.OverrideDropout"/>).</summary>
    internal void OverrideDropout(float probability) => (_hiddenDropout, _attentionDropout) = (probability, probability);

    public void Initialize(double std, Random random)
    {
        foreach (var l in new[] { Query, Key, Value, AttentionOutput, Intermediate, Output }) l.Initialize(std, random);
        AttentionNorm.Initialize();
        OutputNorm.Initialize();
        AttentionAdapter?.Initialize(std, random);
        OutputAdapter?.Initialize(std, random);
    }
}
