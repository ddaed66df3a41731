using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>Hugging Face BertForTokenClassification: logits = classifier(dropout(h)) per token; no pooler.</summary>
public sealed class BertForTokenClassification : Module
{
    private readonly float _dropout;

    public BertForTokenClassification(BertConfig config) : base("")
    {
        Bert = AddModule(new BertEncoder(config, withPooler: false));
        Classifier = AddModule(new Linear("classifier", config.HiddenSize, config.NumLabels));
        _dropout = config.ClassifierDropout ?? config.HiddenDropoutProb;
    }

    public BertEncoder Bert { get; }
    public Linear Classifier { get; }
    public BertConfig Config => Bert.Config;

    /// <summary>Inference on packed sequences (<see cref="BertEncoder.ForwardPacked"/>): logits [T, labels], one row per
    /// real token (sequence n in rows offsets[n] .. offsets[n+1]-1); no dropout.</summary>
    public Tensor ForwardPacked(Graph g, PackedBatch batch) => Classifier.Forward(g, Bert.ForwardPacked(g, batch).LastHiddenState);

    /// <param name="labels">[B·S] label ids, -100 where no label applies (specials, pads, non-first sub-tokens).</param>
    public TaskOutput Forward(Graph g, BertBatch batch, int[]? labels = null)
    {
        var encoded = Bert.Forward(g, batch);
        var logits = Classifier.Forward(g, g.Dropout(encoded.LastHiddenState, _dropout));   // [B, S, L]
        Tensor? loss = null;
        if (labels != null)
        {
            int rows = batch.Batch * batch.SequenceLength;
            loss = g.CrossEntropy(g.Reshape(logits, rows, Config.NumLabels), g.Input(labels, rows));
        }
        return new TaskOutput { Encoder = encoded, Logits = logits, Loss = loss };
    }

    public void Initialize(int seed)
    {
        Bert.Initialize(seed);
        Classifier.Initialize(Config.InitializerRange, new Random(seed + 1));
    }
}
