using System.Text.RegularExpressions;
using BertCore.Training.FineTuning;

namespace BertCore.Training.Distillation;

/// <summary>
/// Starts a student from its teacher's weights when their widths match (hidden size, heads and FFN size), as
/// DistilBERT does: embeddings, pooler and task head copied, and student layer j copied from teacher layer
/// <see cref="LayerMapping.TeacherLayer"/>(j) — with the uniform mapping, every other layer of a teacher twice as
/// deep (teacher layers 1, 3, 5, …).
/// </summary>
public static partial class StudentInitializer
{
    /// <summary>Whether every student parameter has a teacher counterpart of the same shape under <paramref name="map"/>.</summary>
    public static bool CanCopy(TaskNetwork student, TaskNetwork teacher, LayerMapping map)
    {
        var source = teacher.Model.Parameters().ToDictionary(p => p.Name);
        return student.Model.Parameters().All(p => source.TryGetValue(TeacherName(p.Name, map), out var t) && t.Shape == p.Shape);
    }

    /// <summary>Copies every parameter of the student from its teacher counterpart (host tensors).</summary>
    /// <returns>The number of tensors copied.</returns>
    /// <exception cref="ArgumentException">The widths differ (<see cref="CanCopy"/> is false).</exception>
    public static int CopyFromTeacher(TaskNetwork student, TaskNetwork teacher, LayerMapping map)
    {
        if (!CanCopy(student, teacher, map))
            throw new ArgumentException("the student's shapes differ from the teacher's (hidden size, heads, FFN size or labels): it cannot start from the teacher's layers");
        var source = teacher.Model.Parameters().ToDictionary(p => p.Name);
        int copied = 0;
        foreach (var p in student.Model.Parameters())
        {
            source[TeacherName(p.Name, map)].Value.Span.CopyTo(p.Value.Span);
            copied++;
        }
        return copied;
    }

    /// <summary>"bert.encoder.layer.{j}.…" → "bert.encoder.layer.{map(j)}.…"; other names are unchanged.</summary>
    public static string TeacherName(string studentName, LayerMapping map) =>
        LayerName().Replace(studentName, m => $"encoder.layer.{map.TeacherLayer(int.Parse(m.Groups[1].Value))}.", 1);

    [GeneratedRegex(@"encoder\.layer\.(\d+)\.")]
    private static partial Regex LayerName();
}
