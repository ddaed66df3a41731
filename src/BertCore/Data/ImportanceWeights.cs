using System.Globalization;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Data;

/// <summary>
/// Per-token importance for selective masking, read from a TSV file of <c>token&lt;TAB&gt;weight</c> lines (UTF-8;
/// blank lines ignored; the token exactly as in <c>vocab.txt</c>, e.g. <c>##ing</c>; the weight a finite number
/// ≥ 0). Tokens not listed weigh <c>unlistedWeight</c> (1 by default).
/// </summary>
/// <remarks>
/// Semantics: the tokens (or whole words, whose weight is the largest of their pieces') to predict are drawn
/// without replacement with probability proportional to weight — one after another, each time among those not yet
/// drawn — until the masking budget is met (Efraimidis–Spirakis sampling). So a token of weight 10 tends to be
/// chosen long before one of weight 1, every listed token still has a chance, and a weight of 0 is never masked.
/// With all weights equal this is uniform masking. The budget (15% of the non-special tokens) does not change.
/// </remarks>
public sealed class ImportanceWeights
{
    private readonly float[] _weights;

    /// <summary>Loads the weights of <paramref name="path"/> for the tokens of <paramref name="vocabulary"/>.</summary>
    /// <exception cref="InvalidFileException">A line without a tab, a weight that is not a finite number ≥ 0, a token not in the vocabulary, a token listed twice, or invalid UTF-8.</exception>
    public static ImportanceWeights Load(string path, Vocabulary vocabulary, float unlistedWeight = 1f)
    {
        if (!float.IsFinite(unlistedWeight) || unlistedWeight < 0)
            throw new ArgumentOutOfRangeException(nameof(unlistedWeight), unlistedWeight, "must be a finite number ≥ 0");
        var weights = Enumerable.Repeat(unlistedWeight, vocabulary.Count).ToArray();
        var listedOn = new Dictionary<int, int>();
        foreach ((int line, string text) in Utf8Lines.Read(path))
        {
            if (string.IsNullOrWhiteSpace(text))
                continue;
            int tab = text.IndexOf('\t');
            if (tab < 0)
                throw new InvalidFileException(path, line, "expected token<TAB>weight");
            string token = text[..tab], value = text[(tab + 1)..].Trim();
            if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out float weight) || !float.IsFinite(weight) || weight < 0)
                throw new InvalidFileException(path, line, $"weight '{value}' is not a finite number ≥ 0");
            if (!vocabulary.TryGetId(token, out int id))
                throw new InvalidFileException(path, line, $"token '{token}' is not in the vocabulary");
            if (!listedOn.TryAdd(id, line))
                throw new InvalidFileException(path, line, $"token '{token}' is already listed on line {listedOn[id]}");
            weights[id] = weight;
        }
        return new ImportanceWeights(weights);
    }

    /// <summary>Creates weights from an array indexed by token id (each finite and ≥ 0).</summary>
    public ImportanceWeights(IReadOnlyList<float> weights)
    {
        _weights = weights.ToArray();
        if (_weights.Any(w => !float.IsFinite(w) || w < 0))
            throw new ArgumentException("Every importance weight must be a finite number ≥ 0.", nameof(weights));
    }

    /// <summary>Number of token ids covered (the vocabulary size).</summary>
    public int Count => _weights.Length;

    /// <summary>The weight of token <paramref name="id"/>.</summary>
    public float this[int id] => _weights[id];
}
