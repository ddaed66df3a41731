using BertCore.Autograd;
using BertCore.Data;
using BertCore.Nn.Heads;
using BertCore.Tensors;

namespace BertCore.Training.Distillation;

/// <summary>
/// Masked-LM distillation for <see cref="Pretrainer"/>: at the masked positions,
/// <c>loss = α · T² · KL(softmax(teacher / T) ‖ softmax(student / T)) + (1 − α) · cross-entropy(student, labels)</c>
/// over the vocabulary (plus the relation loss when the run trains NSP/SOP). The masks change every step, so the
/// teacher runs online on the same batch (dropout off, no gradients), only up to the masked rows' logits.
/// </summary>
public sealed class MlmDistillation : IPretrainingObjective, IDisposable
{
    private readonly BertForPreTraining _teacher;
    private readonly float _alpha, _temperature;

    /// <param name="teacher">A model with an MLM head over the student's vocabulary; disposed with this object.</param>
    /// <exception cref="ArgumentException">No MLM head, or alpha / temperature out of range.</exception>
    public MlmDistillation(BertForPreTraining teacher, float alpha, float temperature)
    {
        if (teacher.Mlm == null) throw new ArgumentException("the teacher has no MLM head (cls.predictions)");
        new DistillationOptions { Alpha = alpha, Temperature = temperature }.Validate();
        _teacher = teacher;
        _alpha = alpha;
        _temperature = temperature;
    }

    /// <summary>The teacher model folder's BertForPreTraining with its MLM head.</summary>
    /// <exception cref="IO.InvalidFileException">The folder's weights lack the encoder or the MLM head.</exception>
    public static MlmDistillation Load(string teacherDirectory, float alpha, float temperature)
    {
        var (model, report) = PretrainingModel.FromCheckpoint(teacherDirectory, relationHead: false, seed: 0);
        var missingHead = report.Missing.Where(n => n.StartsWith("cls.predictions.", StringComparison.Ordinal)).ToArray();
        if (missingHead.Length > 0)
        {
            model.Dispose();
            throw new IO.InvalidFileException(Checkpoints.ModelDirectory.WeightsPath(teacherDirectory), null,
                $"has no MLM head to distill from ({missingHead.Length} tensors missing, e.g. {missingHead[0]})");
        }
        return new MlmDistillation(model, alpha, temperature);
    }

    public BertForPreTraining Teacher => _teacher;

    public IEnumerable<Parameter> FrozenParameters => _teacher.Parameters();

    public Tensor Loss(Graph g, BertForPreTraining model, PretrainingBatch batch, int[]? relationLabels)
    {
        if (model.Config.VocabSize != _teacher.Config.VocabSize)
            throw new ArgumentException($"the teacher's vocabulary ({_teacher.Config.VocabSize}) differs from the student's ({model.Config.VocabSize})");
        var output = model.Forward(g, batch.Inputs, mlmLabels: null, nspLabels: relationLabels);
        var labels = batch.MlmLabels;
        var positions = new List<int>();
        var targets = new List<int>();
        for (int i = 0; i < labels.Length; i++)
            if (labels[i] != MlmHead.IgnoreIndex) { positions.Add(i); targets.Add(labels[i]); }
        Tensor loss;
        if (positions.Count == 0)
        {
            loss = model.Mlm!.Loss(g, output.Encoder.LastHiddenState, labels);
        }
        else
        {
            var index = g.Input(positions.ToArray(), positions.Count);
            var student = model.Mlm!.Forward(g, Rows(g, output.Encoder.LastHiddenState, index));
            var hard = g.CrossEntropy(student, g.Input(targets.ToArray(), targets.Count));
            bool training = g.Training;
            g.Training = false;
            Tensor teacher;
            using (g.NoGrad())
                teacher = _teacher.Mlm!.Forward(g, Rows(g, _teacher.Bert.Forward(g, batch.Inputs).LastHiddenState, index));
            g.Training = training;
            loss = DistillationLosses.Mix(g, g.SoftTargetKl(student, teacher, _temperature), hard, _alpha);
        }
        return output.NspLoss is { } relation ? g.Add(loss, relation) : loss;
    }

    /// <summary>h [B, S, H] → the rows <paramref name="index"/> (b·S + s) [N, H].</summary>
    private static Tensor Rows(Graph g, Tensor h, Tensor index) =>
        g.GatherRows(g.Reshape(h, checked((int)h.Shape.Rows), h.Shape.Last), index);

    public void Dispose() => _teacher.Dispose();
}
