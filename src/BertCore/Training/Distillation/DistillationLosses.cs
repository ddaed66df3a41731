using BertCore.Autograd;
using BertCore.Nn;
using BertCore.Tensors;

namespace BertCore.Training.Distillation;

/// <summary>
/// The distillation loss terms as graph expressions (see <see cref="DistillationOptions"/> for how they combine).
/// Teacher values are constants: host arrays uploaded into the arena, or tensors computed without gradients.
/// </summary>
public static class DistillationLosses
{
    /// <summary>T² · mean over rows of KL(softmax(teacher / T) ‖ softmax(student / T)).</summary>
    /// <param name="student">[N, C] logits.</param>
    /// <param name="teacher">[N · C] logits, row-major.</param>
    /// <returns>[1].</returns>
    public static Tensor SoftTargets(Graph g, Tensor student, ReadOnlySpan<float> teacher, float temperature) =>
        g.SoftTargetKl(student, g.Input(teacher, student.Shape[0], student.Shape[1]), temperature);

    /// <summary>Mean squared error of a regression student's predictions to the teacher's.</summary>
    /// <param name="student">[B, 1] (or [B]) predictions.</param>
    /// <param name="teacher">[B] teacher predictions.</param>
    /// <returns>[1].</returns>
    public static Tensor RegressionMse(Graph g, Tensor student, ReadOnlySpan<float> teacher)
    {
        var diff = g.Add(g.Reshape(student, teacher.Length), g.Input(teacher, teacher.Length), 1f, -1f);
        return g.Mean(g.Mul(diff, diff));
    }

    /// <summary>α · kd + (1 − α) · task; kd alone when there is no task loss.</summary>
    /// <param name="kd">[1].</param>
    /// <param name="task">[1] or null.</param>
    public static Tensor Mix(Graph g, Tensor kd, Tensor? task, float alpha) =>
        task == null ? kd : g.Add(kd, task, alpha, 1f - alpha);

    /// <summary>
    /// Mean over the given token rows and the teacher's width of (projection(student) − teacher)²: the student's
    /// state is mapped to the teacher's width by <paramref name="projection"/> (null when the widths are equal).
    /// </summary>
    /// <param name="student">[B, S, Hs] student hidden state.</param>
    /// <param name="teacher">[B, S, Ht] teacher hidden state (constant).</param>
    /// <param name="rows">The b·S + s rows compared (the real tokens).</param>
    /// <returns>[1].</returns>
    public static Tensor HiddenMse(Graph g, Tensor student, Tensor teacher, Linear? projection, ReadOnlySpan<int> rows)
    {
        int tokens = checked((int)student.Shape.Rows);
        var index = g.Input(rows, rows.Length);
        var s = g.GatherRows(g.Reshape(student, tokens, student.Shape.Last), index);
        var t = g.GatherRows(g.Reshape(teacher, tokens, teacher.Shape.Last), index);
        if (projection != null) s = projection.Forward(g, s);
        var diff = g.Add(s, t, 1f, -1f);
        return g.Mean(g.Mul(diff, diff));
    }

    /// <summary>The rows b·S + s of the real tokens of a [B, S] attention mask.</summary>
    public static int[] RealTokenRows(ReadOnlySpan<int> attentionMask)
    {
        var rows = new List<int>(attentionMask.Length);
        for (int i = 0; i < attentionMask.Length; i++)
            if (attentionMask[i] != 0) rows.Add(i);
        return [.. rows];
    }
}
