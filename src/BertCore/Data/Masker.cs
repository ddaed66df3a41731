using BertCore.Text;

namespace BertCore.Data;

/// <summary>
/// Chooses the tokens of one laid-out example to predict and corrupts them, as BERT's
/// <c>create_masked_lm_predictions</c> with whole-word, span (SpanBERT) and selective variants. Immutable; every
/// random choice comes from the <see cref="RandomStream"/> passed in.
/// </summary>
/// <remarks>
/// <para>Candidates are the non-special tokens ([PAD] [UNK] [CLS] [SEP] [MASK] are never chosen). The budget is
/// round(candidates × <see cref="PretrainingDataOptions.MaskProbability"/>), at least 1, at most
/// <see cref="PretrainingDataOptions.MaxPredictionsPerSequence"/>. Units are single tokens (token masking) or
/// words — a token and the <c>##</c> tokens that follow it (whole-word and span masking).</para>
/// <para>Token and whole-word: units in random order (or weighted order, see <see cref="ImportanceWeights"/>) are
/// taken while they fit in the budget; a unit that would exceed it is skipped, as in Google's script, so a word is
/// never split. Span (SpanBERT): repeatedly draw a length ℓ in words from the geometric distribution p = 0.2
/// truncated to 1..10 (SpanBERT's code: P(ℓ) ∝ 0.2·0.8^(ℓ−1), mean 3.8) and a start word uniformly; mask up to ℓ
/// words from there, stopping at a masked word, a special token, or a word that would exceed the budget; until
/// the budget is met (or 10 × words draws).</para>
/// <para>Each chosen token becomes [MASK] with probability <see cref="PretrainingDataOptions.MaskTokenFraction"/>,
/// a uniformly random non-special token with <see cref="PretrainingDataOptions.RandomTokenFraction"/>, and is
/// otherwise kept; the draw is per token, except for span masking where, as in SpanBERT, one draw decides the
/// whole span.</para>
/// </remarks>
internal sealed class Masker
{
    /// <summary>The label of positions that are not predicted (PyTorch's ignore index).</summary>
    public const int Ignore = -100;

    private const int MaxSpanWords = 10;
    private static readonly double[] SpanLengthCumulative = SpanLengthDistribution();

    private readonly PretrainingDataOptions _options;
    private readonly bool[] _special;
    private readonly bool[] _continuation;
    private readonly int[] _replacements;
    private readonly int _maskId;
    private readonly ImportanceWeights? _importance;

    public Masker(Vocabulary vocabulary, PretrainingDataOptions options, ImportanceWeights? importance)
    {
        if (importance is not null && importance.Count != vocabulary.Count)
            throw new ArgumentException($"The importance weights cover {importance.Count} tokens; the vocabulary has {vocabulary.Count}.", nameof(importance));
        _options = options;
        _importance = importance;
        _maskId = vocabulary.MaskId;
        _special = Enumerable.Range(0, vocabulary.Count).Select(vocabulary.IsSpecial).ToArray();
        _continuation = vocabulary.Tokens.Select(t => t.StartsWith("##", StringComparison.Ordinal)).ToArray();
        _replacements = Enumerable.Range(0, vocabulary.Count).Where(id => !_special[id]).ToArray();
        if (_replacements.Length == 0)
            throw new ArgumentException("The vocabulary has no non-special token to mask.", nameof(vocabulary));
    }

    /// <summary>A run of positions [Start, Start + Length) masked together.</summary>
    public readonly record struct Unit(int Start, int Length)
    {
        public int End => Start + Length;
    }

    /// <summary>Masks the example <paramref name="ids"/> [n] in place and writes <paramref name="labels"/> [n]: the original id where chosen, <see cref="Ignore"/> elsewhere.</summary>
    /// <param name="probability">The masking rate (default <see cref="PretrainingDataOptions.MaskProbability"/>).</param>
    public void Mask(Span<int> ids, Span<int> labels, RandomStream random, double? probability = null)
    {
        labels.Fill(Ignore);
        List<Unit> units = Units(ids, _options.Masking != MaskingStrategy.Token);
        int candidates = units.Sum(u => u.Length);
        if (candidates == 0)
            return;
        int budget = Math.Max(1, (int)Math.Round(candidates * (probability ?? _options.MaskProbability), MidpointRounding.ToEven));
        budget = Math.Min(budget, _options.MaxPredictionsPerSequence ?? int.MaxValue);
        bool perUnit = _options.Masking == MaskingStrategy.Span;
        foreach (Unit unit in perUnit ? ChooseSpans(units, budget, random) : ChooseUnits(ids, units, budget, random))
        {
            double draw = perUnit ? random.NextDouble() : 0;
            for (int i = unit.Start; i < unit.End; i++)
            {
                labels[i] = ids[i];
                if (!perUnit)
                    draw = random.NextDouble();
                if (draw < _options.MaskTokenFraction)
                    ids[i] = _maskId;
                else if (draw < _options.MaskTokenFraction + _options.RandomTokenFraction)
                    ids[i] = _replacements[random.NextInt(0, _replacements.Length)];
            }
        }
    }

    /// <summary>The candidate positions grouped into tokens or words, in order.</summary>
    private List<Unit> Units(ReadOnlySpan<int> ids, bool wholeWords)
    {
        var units = new List<Unit>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (_special[ids[i]])
                continue;
            if (wholeWords && _continuation[ids[i]] && units.Count > 0 && units[^1].End == i)
                units[^1] = units[^1] with { Length = units[^1].Length + 1 };
            else
                units.Add(new Unit(i, 1));
        }
        return units;
    }

    /// <summary>Units in random (or importance-weighted random) order, taken while they fit in the budget.</summary>
    private List<Unit> ChooseUnits(ReadOnlySpan<int> ids, List<Unit> units, int budget, RandomStream random)
    {
        // Efraimidis–Spirakis: sorting by u^(1/w), here ln(u)/w, descending draws without replacement ∝ w.
        var keys = new double[units.Count];
        var order = new int[units.Count];
        for (int u = 0; u < units.Count; u++)
        {
            order[u] = u;
            double uniform = random.NextDouble();
            double weight = _importance is null ? 1 : MaxWeight(ids, units[u]);
            keys[u] = weight > 0 ? Math.Log(1 - uniform) / weight : double.NegativeInfinity;
        }
        Array.Sort(keys, order);
        var chosen = new List<Unit>();
        int masked = 0;
        for (int k = order.Length - 1; k >= 0 && masked < budget && keys[k] > double.NegativeInfinity; k--)
        {
            Unit unit = units[order[k]];
            if (masked + unit.Length > budget)
                continue;
            chosen.Add(unit);
            masked += unit.Length;
        }
        return chosen;
    }

    private float MaxWeight(ReadOnlySpan<int> ids, Unit unit)
    {
        float weight = 0;
        for (int i = unit.Start; i < unit.End; i++)
            weight = Math.Max(weight, _importance![ids[i]]);
        return weight;
    }

    /// <summary>SpanBERT's spans of whole words (see the class remarks).</summary>
    private static List<Unit> ChooseSpans(List<Unit> words, int budget, RandomStream random)
    {
        var spans = new List<Unit>();
        var taken = new bool[words.Count];
        int masked = 0;
        for (int attempt = 0; attempt < 10 * words.Count && masked < budget; attempt++)
        {
            int length = SpanLength(random.NextDouble());
            int first = random.NextInt(0, words.Count), w = first;
            for (; w < words.Count && w - first < length && !taken[w] && masked + words[w].Length <= budget; w++)
            {
                if (w > first && words[w].Start != words[w - 1].End)
                    break; // a special token lies between them
                taken[w] = true;
                masked += words[w].Length;
            }
            if (w > first)
                spans.Add(new Unit(words[first].Start, words[w - 1].End - words[first].Start));
        }
        return spans;
    }

    /// <summary>The span length (in words) whose cumulative probability first exceeds <paramref name="uniform"/>.</summary>
    internal static int SpanLength(double uniform)
    {
        int length = 1;
        while (length < MaxSpanWords && uniform >= SpanLengthCumulative[length - 1])
            length++;
        return length;
    }

    /// <summary>Cumulative P(ℓ ≤ k) of the geometric(0.2) distribution truncated to 1..10, index k − 1.</summary>
    private static double[] SpanLengthDistribution()
    {
        double[] p = Enumerable.Range(1, MaxSpanWords).Select(l => 0.2 * Math.Pow(0.8, l - 1)).ToArray();
        double total = p.Sum(), sum = 0;
        return p.Select(x => (sum += x) / total).ToArray();
    }
}
