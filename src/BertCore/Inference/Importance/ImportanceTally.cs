using System.Globalization;
using System.Text;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Inference.Importance;

/// <summary>One vocabulary token's importance: how often it was judged, how often important, and its weight.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Important">Occurrences judged important.</param>
/// <param name="Occurrences">Occurrences judged.</param>
/// <param name="Weight">The selective-masking weight (<see cref="ImportanceTally.Weights"/>).</param>
public readonly record struct TokenWeight(int Id, long Important, long Occurrences, double Weight);

/// <summary>
/// Per vocabulary token, how many of its occurrences were judged and how many important, and from these the
/// weights that <c>pretrain --importance</c> reads (<see cref="Data.ImportanceWeights"/>).
/// </summary>
/// <remarks>
/// The weight of a token judged n times, k of them important, is its smoothed important fraction relative to the
/// corpus's fraction r = K / N (all tokens together): w = ((k + m·r) / (n + m)) / r, with m the smoothing, in
/// pseudo-occurrences at the corpus's rate. So a token of average importance weighs 1 — what the masker gives
/// every token the file does not list, and every token never judged is left unlisted — a token important at
/// every one of many occurrences weighs up to 1 / r, and one never important tends to 0 as it is seen more often;
/// a rare token stays near 1 whatever its few judgments said. With m = 0 the weights are the raw fractions over r,
/// and tokens never judged important weigh 0 (never masked: the paper's masking of important tokens only). When no
/// token at all was judged important, every weight is 1 (uniform masking).
/// </remarks>
public sealed class ImportanceTally
{
    private readonly long[] _occurrences, _important;

    /// <summary>An empty tally over a vocabulary of <paramref name="vocabularySize"/> tokens.</summary>
    public ImportanceTally(int vocabularySize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(vocabularySize, 1);
        _occurrences = new long[vocabularySize];
        _important = new long[vocabularySize];
    }

    /// <summary>Number of token ids covered.</summary>
    public int VocabularySize => _occurrences.Length;

    /// <summary>Sentences added.</summary>
    public int Sentences { get; private set; }

    /// <summary>Token occurrences judged, all tokens together (N).</summary>
    public long Occurrences { get; private set; }

    /// <summary>Token occurrences judged important, all tokens together (K).</summary>
    public long Important { get; private set; }

    /// <summary>Adds the judgments of one sentence.</summary>
    /// <param name="tokens">The sentence's token ids.</param>
    /// <param name="important">Per token, whether it was judged important (same length).</param>
    /// <exception cref="ArgumentException">Lengths that differ, or an id outside the vocabulary.</exception>
    public void Add(IReadOnlyList<int> tokens, IReadOnlyList<bool> important)
    {
        if (tokens.Count != important.Count) throw new ArgumentException($"{important.Count} judgments for {tokens.Count} tokens", nameof(important));
        foreach (int id in tokens)
            if ((uint)id >= (uint)_occurrences.Length) throw new ArgumentException($"token id {id} is outside the vocabulary of {_occurrences.Length}", nameof(tokens));
        for (int i = 0; i < tokens.Count; i++)
        {
            _occurrences[tokens[i]]++;
            Occurrences++;
            if (!important[i]) continue;
            _important[tokens[i]]++;
            Important++;
        }
        Sentences++;
    }

    /// <summary>The weight of every token judged at least once, heaviest first (ties by id).</summary>
    /// <param name="smoothing">m, pseudo-occurrences at the corpus's important fraction (≥ 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A smoothing that is negative or not finite.</exception>
    public TokenWeight[] Weights(double smoothing)
    {
        if (!double.IsFinite(smoothing) || smoothing < 0) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, "must be a finite number ≥ 0");
        double rate = Occurrences == 0 ? 0 : (double)Important / Occurrences;
        return Enumerable.Range(0, _occurrences.Length)
            .Where(id => _occurrences[id] > 0)
            .Select(id => new TokenWeight(id, _important[id], _occurrences[id],
                rate == 0 ? 1 : (_important[id] + smoothing * rate) / (_occurrences[id] + smoothing) / rate))
            .OrderByDescending(t => t.Weight).ThenBy(t => t.Id)
            .ToArray();
    }

    /// <summary>Writes <see cref="Weights"/> to <paramref name="path"/> as <c>token&lt;TAB&gt;weight</c> lines (UTF-8,
    /// heaviest first, each weight the shortest text that reads back as the same float), atomically.</summary>
    /// <param name="vocabulary">The vocabulary the ids belong to (the task model's, which pretraining must share).</param>
    /// <param name="smoothing">As for <see cref="Weights"/>.</param>
    /// <returns>The weights written.</returns>
    /// <exception cref="ArgumentException">A vocabulary of another size.</exception>
    public TokenWeight[] Write(string path, Vocabulary vocabulary, double smoothing)
    {
        if (vocabulary.Count != _occurrences.Length) throw new ArgumentException($"a vocabulary of {vocabulary.Count} tokens for a tally of {_occurrences.Length}", nameof(vocabulary));
        var weights = Weights(smoothing);
        var text = new StringBuilder();
        foreach (var t in weights)
            text.Append(vocabulary[t.Id]).Append('\t').Append(((float)t.Weight).ToString(CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text.ToString())));
        return weights;
    }
}
