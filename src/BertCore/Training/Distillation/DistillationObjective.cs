using BertCore.Autograd;
using BertCore.Data.Tasks;
using BertCore.Nn;
using BertCore.Nn.Heads;
using BertCore.Tensors;
using BertCore.Training.FineTuning;

namespace BertCore.Training.Distillation;

/// <summary>
/// The loss of <see cref="DistillationOptions"/> for a <see cref="FineTuner"/>: the KD term from the cached
/// teacher logits, and, when the intermediate losses are on, the hidden-state and attention terms from the teacher
/// run online on the same batch (without gradients, dropout off). Supports classify, pair, regress and ner.
/// </summary>
public sealed class DistillationObjective : ITrainingObjective, IDisposable
{
    private readonly TaskNetwork _student;
    private readonly TaskNetwork? _teacher;
    private readonly IReadOnlyList<float[]> _teacherLogits;
    private readonly DistillationOptions _options;
    private readonly LayerMapping _map;

    /// <param name="student">The network being trained.</param>
    /// <param name="teacherLogits">Per training feature, the teacher's logits (<see cref="TeacherCache"/>).</param>
    /// <param name="teacher">The teacher, needed only when <see cref="DistillationOptions.NeedsOnlineTeacher"/>.</param>
    /// <param name="projectionSeed">Seeds the projection's initialization (normal(0, initializer_range)).</param>
    /// <exception cref="ArgumentException">QA, a missing teacher, or attention distillation with unequal head counts.</exception>
    public DistillationObjective(TaskNetwork student, IReadOnlyList<float[]> teacherLogits, DistillationOptions options, TaskNetwork? teacher = null,
        int projectionSeed = 0)
    {
        options.Validate();
        if (student.Spec.Task is TaskKind.Qa or TaskKind.Similarity)
            throw new ArgumentException($"distillation supports classify, pair, regress and ner, not {student.Spec.Task.Name()}");
        if (options.NeedsOnlineTeacher && teacher == null) throw new ArgumentException("the hidden-state and attention losses need the teacher network");
        _student = student;
        _teacher = options.NeedsOnlineTeacher ? teacher : null;
        _teacherLogits = teacherLogits;
        _options = options;
        _map = options.LayerMap ?? LayerMapping.Uniform(student.Config.NumHiddenLayers, teacher?.Config.NumHiddenLayers ?? student.Config.NumHiddenLayers);
        if (_teacher != null)
        {
            if (_map.Count != student.Config.NumHiddenLayers) throw new ArgumentException($"the layer map covers {_map.Count} layers; the student has {student.Config.NumHiddenLayers}");
            if (options.AttentionWeight > 0 && student.Config.NumAttentionHeads != _teacher.Config.NumAttentionHeads)
                throw new ArgumentException($"attention distillation needs the same number of heads; the student has {student.Config.NumAttentionHeads}, the teacher {_teacher.Config.NumAttentionHeads}");
            int hs = student.Config.HiddenSize, ht = _teacher.Config.HiddenSize;
            if (options.HiddenWeight > 0 && hs != ht)
            {
                Projection = new Linear("distill.projection", hs, ht);
                Projection.Initialize(student.Config.InitializerRange, new Random(projectionSeed));
            }
        }
        Parameters = Projection?.Parameters().ToArray() ?? [];
    }

    /// <summary>The learned map from the student's hidden width to the teacher's (null when they are equal or the
    /// hidden loss is off): TinyBERT's W_h, one matrix shared by every mapped state.</summary>
    public Linear? Projection { get; }

    public IReadOnlyList<Parameter> Parameters { get; }

    public Tensor? Loss(Graph g, TaskBatch batch, TaskOutput output)
    {
        var kd = _student.Spec.Task switch
        {
            TaskKind.Regress => DistillationLosses.RegressionMse(g, output.Logits, SequenceTeacher(batch)),
            TaskKind.Ner => TokenKd(g, batch, output.Logits),
            _ => DistillationLosses.SoftTargets(g, output.Logits, SequenceTeacher(batch), _options.Temperature),
        };
        if (kd == null) return output.Loss;
        var loss = DistillationLosses.Mix(g, kd, output.Loss, _options.Alpha);
        if (_teacher != null) loss = g.Add(loss, Intermediate(g, batch, output));
        return loss;
    }

    /// <summary>The teacher logits of the batch's features, [B · labels] row-major.</summary>
    private float[] SequenceTeacher(TaskBatch batch)
    {
        int labels = _student.Spec.NumLabels;
        var t = new float[batch.Features.Length * labels];
        for (int b = 0; b < batch.Features.Length; b++) _teacherLogits[batch.Features[b]].AsSpan(0, labels).CopyTo(t.AsSpan(b * labels));
        return t;
    }

    /// <summary>KD over the tokens that carry a tag: student logits [B, S, labels] gathered to those rows.</summary>
    private Tensor? TokenKd(Graph g, TaskBatch batch, Tensor logits)
    {
        if (batch.Labels is not { } tags) return null;
        int s = batch.Inputs.SequenceLength, labels = _student.Spec.NumLabels;
        var rows = new List<int>();
        for (int i = 0; i < tags.Length; i++) if (tags[i] != TokenFeatures.IgnoreIndex) rows.Add(i);
        if (rows.Count == 0) return null;
        var teacher = new float[rows.Count * labels];
        for (int k = 0; k < rows.Count; k++)
        {
            int b = rows[k] / s, token = rows[k] % s;
            _teacherLogits[batch.Features[b]].AsSpan(token * labels, labels).CopyTo(teacher.AsSpan(k * labels));
        }
        var picked = g.GatherRows(g.Reshape(logits, tags.Length, labels), g.Input(rows.ToArray(), rows.Count));
        return DistillationLosses.SoftTargets(g, picked, teacher, _options.Temperature);
    }

    /// <summary>HiddenWeight · mean hidden MSE + AttentionWeight · mean attention KL over the mapped layers.</summary>
    private Tensor Intermediate(Graph g, TaskBatch batch, TaskOutput output)
    {
        var teacher = _teacher!;
        bool training = g.Training;
        g.Training = false;
        Nn.Bert.BertOutput t;
        var teacherQk = new (Tensor Q, Tensor K)[_map.Count];
        using (g.NoGrad())
        {
            t = teacher.Encoder.Forward(g, batch.Inputs);
            if (_options.AttentionWeight > 0)
                for (int j = 0; j < _map.Count; j++)
                {
                    var layer = teacher.Encoder.Layers[_map.TeacherLayer(j)];
                    var h = t.HiddenStates[_map.TeacherLayer(j)];
                    var x = layer.AttentionInput(g, h);
                    teacherQk[j] = (layer.Query.Forward(g, x), layer.Key.Forward(g, x));
                }
        }
        g.Training = training;
        Tensor? total = null;
        var student = output.Encoder.HiddenStates;
        if (_options.HiddenWeight > 0)
        {
            var rows = DistillationLosses.RealTokenRows(batch.Inputs.AttentionMask);
            var pairs = _map.HiddenStatePairs().ToArray();
            foreach (var (si, ti) in pairs)
            {
                var term = g.Scale(DistillationLosses.HiddenMse(g, student[si], t.HiddenStates[ti], Projection, rows), _options.HiddenWeight / pairs.Length);
                total = total == null ? term : g.Add(total, term);
            }
        }
        if (_options.AttentionWeight > 0)
        {
            int heads = _student.Config.NumAttentionHeads;
            for (int j = 0; j < _map.Count; j++)
            {
                var layer = _student.Encoder.Layers[j];
                var x = layer.AttentionInput(g, student[j]);
                var kl = g.AttentionKl(layer.Query.Forward(g, x), layer.Key.Forward(g, x), teacherQk[j].Q, teacherQk[j].K, batch.Inputs.AttentionMask, heads);
                var term = g.Scale(kl, _options.AttentionWeight / _map.Count);
                total = total == null ? term : g.Add(total, term);
            }
        }
        return total!;
    }

    public void Dispose() => Projection?.Dispose();
}
