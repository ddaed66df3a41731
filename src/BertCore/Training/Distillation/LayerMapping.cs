using System.Globalization;

namespace BertCore.Training.Distillation;

/// <summary>
/// Which teacher layer each student layer learns from (intermediate-layer distillation) and starts from (student
/// initialization from the teacher). The default is uniform, as TinyBERT's: student layer j (0-based) ↔ teacher
/// layer (j + 1)·Lt / Ls − 1, so the last layers correspond (Ls = 1, Lt = 2: 0 ↔ 1; Ls = 6, Lt = 12: 0 ↔ 1,
/// 1 ↔ 3, …, 5 ↔ 11). The embeddings always correspond to the embeddings.
/// </summary>
public sealed class LayerMapping
{
    private readonly int[] _teacherLayers;

    /// <param name="teacherLayers">For each student layer, its 0-based teacher layer.</param>
    /// <param name="teacherLayerCount">Layers of the teacher.</param>
    /// <exception cref="ArgumentException">A teacher layer out of range, or no student layer.</exception>
    public LayerMapping(IReadOnlyList<int> teacherLayers, int teacherLayerCount)
    {
        if (teacherLayers.Count == 0) throw new ArgumentException("the student has no layer to map");
        foreach (int t in teacherLayers)
            if (t < 0 || t >= teacherLayerCount)
                throw new ArgumentException($"teacher layer {t} does not exist: the teacher has layers 0..{teacherLayerCount - 1}");
        _teacherLayers = [.. teacherLayers];
    }

    /// <summary>Ls student layers spread uniformly over Lt teacher layers (see the class summary).</summary>
    /// <exception cref="ArgumentException">A count below 1.</exception>
    public static LayerMapping Uniform(int studentLayers, int teacherLayers)
    {
        if (studentLayers < 1 || teacherLayers < 1) throw new ArgumentException("both models need at least one layer");
        return new LayerMapping(Enumerable.Range(0, studentLayers).Select(j => Math.Max(0, (j + 1) * teacherLayers / studentLayers - 1)).ToArray(), teacherLayers);
    }

    /// <summary>A mapping written as comma-separated teacher layers, one per student layer in order ("1,3,5").</summary>
    /// <exception cref="ArgumentException">Not a list of <paramref name="studentLayers"/> integers in range.</exception>
    public static LayerMapping Parse(string text, int studentLayers, int teacherLayers)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != studentLayers)
            throw new ArgumentException($"the layer map '{text}' names {parts.Length} teacher layers for {studentLayers} student layers");
        var layers = parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int l) ? l
            : throw new ArgumentException($"the layer map '{text}' has '{p}', not a layer number")).ToArray();
        return new LayerMapping(layers, teacherLayers);
    }

    /// <summary>Student layers mapped.</summary>
    public int Count => _teacherLayers.Length;

    /// <summary>The teacher layer of student layer <paramref name="studentLayer"/> (0-based).</summary>
    public int TeacherLayer(int studentLayer) => _teacherLayers[studentLayer];

    /// <summary>Pairs of hidden-state indices (0 = embeddings output, i + 1 = layer i's output), student first:
    /// (0, 0) then (j + 1, TeacherLayer(j) + 1) for each student layer j.</summary>
    public IEnumerable<(int Student, int Teacher)> HiddenStatePairs() =>
        Enumerable.Range(0, Count).Select(j => (j + 1, _teacherLayers[j] + 1)).Prepend((0, 0));

    /// <summary>The teacher layers in order, comma-separated (what <see cref="Parse"/> reads).</summary>
    public override string ToString() => string.Join(",", _teacherLayers);
}
