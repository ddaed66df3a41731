using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Training.FineTuning.Adapters;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Training.FineTuning;

/// <summary>
/// The model a task trains: the BERT encoder and the task's head, under Hugging Face names (so a saved folder loads
/// in transformers as the <see cref="TaskKinds.Architecture"/> class). The default heads are Hugging Face's
/// (PyTorch-parity tested): classifier on the pooled [CLS] for classify / pair / regress, a per-token classifier
/// for ner, start/end logits for qa.
/// </summary>
/// <remarks>
/// This is the place where other sentence representations plug in (mean or max pooling, concatenated layers, a
/// scalar mix): a subclass computes the head's input from <see cref="BertOutput.HiddenStates"/> in
/// <see cref="Forward"/> and lists its extra modules in <see cref="Head"/>; a field of <see cref="TaskSpec"/> (saved in
/// bertcore_task.json) selects it in <see cref="Create"/>, so that a saved model loads back as the same network.
/// Training, evaluation, checkpoints and inference only use the members below. <see cref="PooledSequenceNetwork"/> is
/// such a subclass (<see cref="TaskSpec.Pooling"/>, <see cref="TaskSpec.ExternalFeatures"/>); adapters
/// (<see cref="TaskSpec.AdapterSize"/>) are added to any network's encoder.
/// </remarks>
public abstract class TaskNetwork : IDisposable
{
    protected TaskNetwork(TaskSpec spec, Module model, BertEncoder encoder)
    {
        Spec = spec;
        Model = model;
        Encoder = encoder;
    }

    public TaskSpec Spec { get; }

    /// <summary>The whole model: every parameter, in Hugging Face naming.</summary>
    public Module Model { get; }

    /// <summary>The encoder (parameters "bert.*"): embeddings, layers and, for sequence tasks, the pooler.</summary>
    public BertEncoder Encoder { get; }

    /// <summary>The modules of the task head (parameters outside "bert.*"); new unless a checkpoint has them.</summary>
    public abstract IReadOnlyList<Module> Head { get; }

    /// <summary>The configuration saved with the model: the encoder's, with the task's labels (<see cref="TaskSpec.ApplyTo"/>).</summary>
    public BertConfig Config => Encoder.Config;

    /// <summary>
    /// Runs the network on a batch. The loss is computed when the batch carries the task's targets (labels,
    /// values, answer positions) and is then the mean over the batch (HF's loss for each head).
    /// </summary>
    /// <returns>Arena tensors valid until the graph's Reset: logits [B, labels] (sequence tasks), [B, S, labels]
    /// (ner) or start logits [B, S] with end logits [B, S] (qa); the loss [1] when targets were given.</returns>
    public abstract TaskOutput Forward(Graph g, TaskBatch batch);

    /// <summary>Whether <see cref="ForwardPacked"/> is written for this network (classify, pair, regress, ner and qa with the
    /// default heads, and pooled representations; a network training from cached features takes the padded <see cref="Forward"/>).</summary>
    public virtual bool CanPack => false;

    /// <summary>
    /// Inference on the batch's features packed without padding (<paramref name="packed"/>, from the batch's inputs;
    /// <see cref="BertEncoder.ForwardPacked"/>): the same logits as <see cref="Forward"/> within rounding, each feature's
    /// the same bits whatever else is in the batch; the loss as Forward's when the batch carries targets.
    /// </summary>
    /// <returns>Arena tensors: logits [B, labels] (sequence tasks), [T, labels] (ner: each feature's real tokens, back
    /// to back) or [T, 2] (qa: start and end logits of each real token); the loss [1] or null (qa: each feature's
    /// cross-entropies over its own tokens, <see cref="BertForQuestionAnswering.PackedLoss"/>).</returns>
    /// <exception cref="NotSupportedException">The network has no packed path (<see cref="CanPack"/>).</exception>
    public virtual (Tensor Logits, Tensor? Loss) ForwardPacked(Graph g, TaskBatch batch, PackedBatch packed) =>
        throw new NotSupportedException($"a {Spec.Task.Name()} network with this head runs on padded batches only");

    /// <summary>Hugging Face initialization of every parameter from <paramref name="seed"/>.</summary>
    public abstract void Initialize(int seed);

    /// <summary>The network of <paramref name="spec"/>'s task over an encoder of <paramref name="config"/> (its
    /// labels are taken from the spec), zero-filled: initialize or load it.</summary>
    public static TaskNetwork Create(TaskSpec spec, BertConfig config)
    {
        config = spec.ApplyTo(config);
        TaskNetwork network = spec.Task switch
        {
            TaskKind.Ner => new TokenNetwork(spec, new BertForTokenClassification(config)),
            TaskKind.Qa => new QaNetwork(spec, new BertForQuestionAnswering(config)),
            TaskKind.Similarity => new Similarity.SimilarityNetwork(spec, new BertEncoder(config)),
            _ when spec.Pooling != null || spec.ExternalFeatures > 0 =>
                new PooledSequenceNetwork(spec, new PooledSequenceClassifier(config, spec.Pooling ?? Pooling.Cls, spec.ExternalFeatures)),
            _ => new SequenceNetwork(spec, new BertForSequenceClassification(config)),
        };
        if (spec.AdapterSize > 0) AdapterTuning.Apply(network, spec.AdapterSize);
        return network;
    }

    public void Dispose()
    {
        Model.Dispose();
        GC.SuppressFinalize(this);
    }

    private sealed class SequenceNetwork(TaskSpec spec, BertForSequenceClassification model) : TaskNetwork(spec, model, model.Bert)
    {
        public override IReadOnlyList<Module> Head { get; } = [model.Classifier];
        public override TaskOutput Forward(Graph g, TaskBatch batch) => model.Forward(g, batch.Inputs, batch.Labels, batch.Targets);
        public override bool CanPack => true;

        public override (Tensor Logits, Tensor? Loss) ForwardPacked(Graph g, TaskBatch batch, PackedBatch packed)
        {
            var logits = model.ForwardPacked(g, packed);
            return (logits, BertForSequenceClassification.Loss(g, logits, model.IsRegression, batch.Labels, batch.Targets));
        }

        public override void Initialize(int seed) => model.Initialize(seed);
    }

    private sealed class TokenNetwork(TaskSpec spec, BertForTokenClassification model) : TaskNetwork(spec, model, model.Bert)
    {
        public override IReadOnlyList<Module> Head { get; } = [model.Classifier];
        public override TaskOutput Forward(Graph g, TaskBatch batch) => model.Forward(g, batch.Inputs, batch.Labels);
        public override bool CanPack => true;

        public override (Tensor Logits, Tensor? Loss) ForwardPacked(Graph g, TaskBatch batch, PackedBatch packed)
        {
            var logits = model.ForwardPacked(g, packed);   // [T, labels]
            if (batch.Labels == null) return (logits, null);
            // The padded labels [B·S] (-100 on padding) of each row's real tokens, back to back as the logits.
            var labels = g.HostScratch(packed.Tokens);
            for (int b = 0; b < packed.Count; b++)
                batch.Labels.AsSpan(b * batch.Inputs.SequenceLength, packed.Length(b)).CopyTo(labels[packed.Offsets[b]..]);
            return (logits, g.CrossEntropy(logits, g.Input(labels, packed.Tokens)));
        }

        public override void Initialize(int seed) => model.Initialize(seed);
    }

    private sealed class QaNetwork(TaskSpec spec, BertForQuestionAnswering model) : TaskNetwork(spec, model, model.Bert)
    {
        public override IReadOnlyList<Module> Head { get; } = [model.QaOutputs];
        public override TaskOutput Forward(Graph g, TaskBatch batch) => model.Forward(g, batch.Inputs, batch.StartPositions, batch.EndPositions);
        public override bool CanPack => true;

        public override (Tensor Logits, Tensor? Loss) ForwardPacked(Graph g, TaskBatch batch, PackedBatch packed)
        {
            var logits = model.ForwardPacked(g, packed);   // [T, 2]
            return batch.StartPositions == null || batch.EndPositions == null
                ? (logits, null)
                : (logits, BertForQuestionAnswering.PackedLoss(g, logits, packed, batch.StartPositions, batch.EndPositions));
        }

        public override void Initialize(int seed) => model.Initialize(seed);
    }
}
