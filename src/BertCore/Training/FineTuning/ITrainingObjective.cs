using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training.FineTuning;

/// <summary>
/// Replaces the loss a <see cref="FineTuner"/> trains on (knowledge distillation mixes a teacher's soft targets
/// into the task loss). Evaluation still scores the network on its own task loss and metrics.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>Trainable parameters besides the network's (e.g. a projection from the student's width to the
    /// teacher's); the optimizer updates them and clipping counts them. They are not saved with the model.</summary>
    IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The loss [1] of one training micro-batch, or null when the batch has nothing to learn from.</summary>
    /// <param name="g">The training graph (dropout on); an online teacher runs on it too, without gradients.</param>
    /// <param name="batch">The micro-batch; <see cref="TaskBatch.Features"/> are the training data's rows.</param>
    /// <param name="output">The network's forward on <paramref name="batch"/>, with its task loss when labelled.</param>
    Tensor? Loss(Graph g, TaskBatch batch, TaskOutput output);
}
