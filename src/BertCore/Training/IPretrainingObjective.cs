using BertCore.Autograd;
using BertCore.Data;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>
/// Replaces the loss a <see cref="Pretrainer"/> trains on (MLM distillation mixes a teacher's soft targets into the
/// masked-LM loss). Evaluation still reports the model's own MLM accuracy and perplexity.
/// </summary>
public interface IPretrainingObjective
{
    /// <summary>The loss [1] of one training micro-batch: runs <paramref name="model"/> forward itself.</summary>
    /// <param name="g">The training graph (dropout on).</param>
    /// <param name="relationLabels">[B] NSP/SOP labels when the run trains the relation head, else null.</param>
    Tensor Loss(Graph g, BertForPreTraining model, PretrainingBatch batch, int[]? relationLabels);

    /// <summary>Parameters the objective runs but does not train (a teacher): the trainer places them on its backend
    /// (<see cref="Backends.IBackend.Adopt"/>) with the model, so that `--device cuda` runs the objective there too.</summary>
    IEnumerable<Parameter> FrozenParameters => [];
}
