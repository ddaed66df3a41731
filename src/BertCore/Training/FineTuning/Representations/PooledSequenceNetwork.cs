using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning.Representations;

/// <summary>
/// The <see cref="TaskNetwork"/> of classify / pair / regress when bertcore_task.json names a pooling or external
/// features (<see cref="TaskSpec.Pooling"/>, <see cref="TaskSpec.ExternalFeatures"/>): a
/// <see cref="PooledSequenceClassifier"/>. With a <see cref="Cache"/> (a frozen encoder) the encoder does not run:
/// each row's features are looked up, and <see cref="TaskOutput.Encoder"/> is then the default value.
/// </summary>
public sealed class PooledSequenceNetwork : TaskNetwork
{
    private readonly PooledSequenceClassifier _model;

    public PooledSequenceNetwork(TaskSpec spec, PooledSequenceClassifier model) : base(spec, model, model.Bert)
    {
        _model = model;
        Head = model.Mix != null ? [model.Mix, model.Classifier] : [model.Classifier];
    }

    /// <summary>The model, typed.</summary>
    public PooledSequenceClassifier Pooled => _model;

    public override IReadOnlyList<Module> Head { get; }

    /// <summary>Precomputed encoder features (set for training with a frozen encoder); null runs the encoder.</summary>
    public FrozenFeatures? Cache { get; set; }

    public override TaskOutput Forward(Graph g, TaskBatch batch)
    {
        BertOutput encoder = default;
        var features = Cache?.Lookup(g, batch.Inputs);
        if (features == null) (features, encoder) = _model.Features(g, batch.Inputs);
        var (logits, loss) = _model.Head(g, features, batch.External, batch.Labels, batch.Targets);
        return new TaskOutput { Encoder = encoder, Logits = logits, Loss = loss };
    }

    /// <summary>Packs unless the features come from a <see cref="Cache"/> (then the encoder does not run at all).</summary>
    public override bool CanPack => Cache == null;

    public override (Tensor Logits, Tensor? Loss) ForwardPacked(Graph g, TaskBatch batch, PackedBatch packed) =>
        _model.Head(g, _model.FeaturesPacked(g, packed), batch.External, batch.Labels, batch.Targets);

    public override void Initialize(int seed) => _model.Initialize(seed);
}
