using BertCore.Autograd;
using BertCore.Data;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training;

/// <summary>
/// Replaces the loss a <see cref="Pretrainer"/> trains on (MLM distillation mixes a teacher's soft targets into the
/// masked-LM loss; ELECTRA trains a generator and a replaced-token head beside the model). Evaluation reports the
/// model's own MLM accuracy and perplexity unless the objective evaluates itself.
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

    /// <summary>Parameters the objective trains beside the model's (a generator, a head; none of the model's own): the
    /// trainer adopts them, gives them to its AdamW, and saves their moments in checkpoints.</summary>
    IEnumerable<Parameter> TrainableParameters => [];

    /// <summary>The held-out evaluation when the objective has its own (scoring the next <paramref name="batches"/>
    /// batches of <paramref name="source"/>, dropout off, no gradients), else null: the model's MLM evaluation.</summary>
    MlmEvaluation? Evaluate(Graph g, BertForPreTraining model, IPretrainingBatchSource source, int batches) => null;

    /// <summary>Writes what the objective trains beside the model into the saved model folder <paramref name="dir"/>
    /// (a checkpoint or the final model).</summary>
    void Save(string dir, string? vocabPath) { }

    /// <summary>Restores what <see cref="Save"/> wrote into the checkpoint folder <paramref name="dir"/>.</summary>
    void Load(string dir) { }
}
