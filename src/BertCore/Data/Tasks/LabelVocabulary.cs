using System.Globalization;
using System.Numerics;

namespace BertCore.Data.Tasks;

/// <summary>
/// The class labels of a classification task and their ids (Hugging Face <c>id2label</c> / <c>label2id</c>).
/// Built from training labels, the order is sorted and so independent of file order: numerically when every
/// label is an integer ("2" before "10"), otherwise ordinally (as Hugging Face's <c>run_glue.py</c> and
/// <c>run_ner.py</c> sort label lists). Immutable.
/// </summary>
public sealed class LabelVocabulary
{
    private readonly string[] _labels;
    private readonly Dictionary<string, int> _ids;

    /// <summary>A vocabulary with the given labels in id order (for instance a model's <c>id2label</c>).</summary>
    /// <exception cref="ArgumentException">No labels, or an empty or repeated one.</exception>
    public LabelVocabulary(IEnumerable<string> labelsInIdOrder)
    {
        _labels = labelsInIdOrder.ToArray();
        if (_labels.Length == 0)
            throw new ArgumentException("A label vocabulary needs at least one label.", nameof(labelsInIdOrder));
        _ids = new Dictionary<string, int>(_labels.Length, StringComparer.Ordinal);
        for (int id = 0; id < _labels.Length; id++)
        {
            if (string.IsNullOrEmpty(_labels[id]))
                throw new ArgumentException($"Label {id} is empty.", nameof(labelsInIdOrder));
            if (!_ids.TryAdd(_labels[id], id))
                throw new ArgumentException($"Label '{_labels[id]}' appears twice (ids {_ids[_labels[id]]} and {id}).", nameof(labelsInIdOrder));
        }
    }

    /// <summary>The distinct labels of <paramref name="labels"/>, sorted (see the class remarks); nulls are skipped.</summary>
    /// <exception cref="ArgumentException">No label at all.</exception>
    public static LabelVocabulary FromLabels(IEnumerable<string?> labels)
    {
        string[] distinct = labels.OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        bool integers = distinct.All(l => BigInteger.TryParse(l, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _));
        if (integers)
            Array.Sort(distinct, (a, b) =>
            {
                int byValue = BigInteger.Parse(a, CultureInfo.InvariantCulture).CompareTo(BigInteger.Parse(b, CultureInfo.InvariantCulture));
                return byValue != 0 ? byValue : string.CompareOrdinal(a, b);
            });
        else
            Array.Sort(distinct, StringComparer.Ordinal);
        return new LabelVocabulary(distinct);
    }

    /// <summary>The vocabulary of a model's <c>id2label</c> (a config file's), whose ids must be 0 … n-1.</summary>
    /// <exception cref="ArgumentException">The ids are not 0 … n-1, or a label is empty or repeated.</exception>
    public static LabelVocabulary FromId2Label(IReadOnlyDictionary<int, string> id2Label)
    {
        for (int id = 0; id < id2Label.Count; id++)
            if (!id2Label.ContainsKey(id))
                throw new ArgumentException($"id2label has {id2Label.Count} entries but no id {id}; ids must be 0 … {id2Label.Count - 1}.", nameof(id2Label));
        return new LabelVocabulary(Enumerable.Range(0, id2Label.Count).Select(id => id2Label[id]));
    }

    /// <summary>The labels in id order (<c>id2label</c>).</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Number of labels (the head's <c>num_labels</c>).</summary>
    public int Count => _labels.Length;

    /// <summary>The label with id <paramref name="id"/>.</summary>
    public string this[int id] => (uint)id < (uint)_labels.Length
        ? _labels[id]
        : throw new ArgumentOutOfRangeException(nameof(id), id, $"Label id outside [0, {_labels.Length}).");

    /// <summary>Looks up a label's id (ordinal, case-sensitive).</summary>
    public bool TryGetId(string label, out int id) => _ids.TryGetValue(label, out id);

    /// <summary>The id of <paramref name="label"/>.</summary>
    /// <exception cref="KeyNotFoundException">The label is not in the vocabulary.</exception>
    public int IdOf(string label) => _ids.TryGetValue(label, out int id)
        ? id
        : throw new KeyNotFoundException($"Label '{label}' is not one of {Describe()}.");

    /// <summary><c>id2label</c> as a config file stores it: id → label.</summary>
    public IReadOnlyDictionary<int, string> ToId2Label() =>
        Enumerable.Range(0, _labels.Length).ToDictionary(i => i, i => _labels[i]);

    /// <summary>The labels for messages: "[a, b, c]" (the first 20).</summary>
    public string Describe() =>
        "[" + string.Join(", ", _labels.Take(20)) + (_labels.Length > 20 ? $", … ({_labels.Length} in all)" : "") + "]";
}
