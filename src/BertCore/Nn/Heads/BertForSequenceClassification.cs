using BertCore.Autograd;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Tensors;

namespace BertCore.Nn.Heads;

/// <summary>Outputs of a task model's forward; arena tensors valid until the graph's Reset. A value type, so a
/// fine-tuning step allocates nothing on the managed heap.</summary>
public readonly struct TaskOutput
{
    public required BertOutput Encoder { get; init; }
    /// <summary>[B, labels] for sequence tasks, [B, S, labels] for token tasks; for QA the start logits [B, S].</summary>
    public required Tensor Logits { get; init; }
    /// <summary>QA only: end logits [B, S].</summary>
    public Tensor? EndLogits { get; init; }
    /// <summary>[1] when labels were given.</summary>
    public Tensor? Loss { get; init; }
}

/// <summary>
/// Hugging Face BertForSequenceClassification: logits = classifier(dropout(pooler output)). With one label it
/// is a regression trained with mean squared error, otherwise single-label classification with cross-entropy.
/// </summary>
public sealed class BertForSequenceClassification : Module
{
    private readonly float _dropout;

    public BertForSequenceClassification(BertConfig config) : base("")
    {
        Bert = AddModule(new BertEncoder(config));
        Classifier = AddModule(new Linear("classifier", config.HiddenSize, config.NumLabels));
        _dropout = config.ClassifierDropout ?? config.HiddenDropoutProb;
    }

    public BertEncoder Bert { get; }
    public Linear Classifier { get; }
    public BertConfig Config => Bert.Config;
    public bool IsRegression => Config.NumLabels == 1;

    /// <param name="labels">Class ids [B] for classification; ignored for regression.</param>
    /// <param name="targets">Target values [B] for regression.</param>
    public TaskOutput Forward(Graph g, BertBatch batch, int[]? labels = null, float[]? targets = null)
    {
        var encoded = Bert.Forward(g, batch);
        var logits = Classifier.Forward(g, g.Dropout(encoded.PoolerOutput!, _dropout));
        return new TaskOutput { Encoder = encoded, Logits = logits, Loss = Loss(g, logits, IsRegression, labels, targets) };
    }

    /// <summary>Inference on packed sequences (<see cref="BertEncoder.ForwardPacked"/>): logits [N, labels] from each
    /// sequence's pooled first token; no dropout.</summary>
    public Tensor ForwardPacked(Graph g, PackedBatch batch) => Classifier.Forward(g, Bert.ForwardPacked(g, batch).PoolerOutput!);

    /// <summary>
    /// The head's loss on logits [B, labels]: mean squared error against targets [B] for regression, cross-entropy
    /// against labels [B] otherwise; null when the batch has no targets of that kind.
    /// </summary>
    public static Tensor? Loss(Graph g, Tensor logits, bool regression, int[]? labels, float[]? targets)
    {
        int b = logits.Shape[0];
        if (regression && targets != null)
        {
            var diff = g.Add(g.Reshape(logits, b), g.Input(targets, b), 1f, -1f);
            return g.Mean(g.Mul(diff, diff));
        }
        return !regression && labels != null ? g.CrossEntropy(logits, g.Input(labels, b)) : null;
    }

    public void Initialize(int seed)
    {
        Bert.Initialize(seed);
        Classifier.Initialize(Config.InitializerRange, new Random(seed + 1));
    }
}
