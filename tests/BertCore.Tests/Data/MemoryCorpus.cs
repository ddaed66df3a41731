using BertCore.Data;
using BertCore.Text;

namespace BertCore.Tests.Data;

/// <summary>An in-memory <see cref="ITokenCorpus"/> for tests, with a synthetic vocabulary and random documents.</summary>
internal sealed class MemoryCorpus : ITokenCorpus
{
    private readonly int[] _ids;
    private readonly long[] _sentenceStarts;
    private readonly int[] _documentStarts;

    /// <summary>Documents of sentences of ids, stored back to back.</summary>
    public MemoryCorpus(IReadOnlyList<IReadOnlyList<int[]>> documents)
    {
        _ids = documents.SelectMany(d => d.SelectMany(s => s)).ToArray();
        var sentenceStarts = new List<long> { 0 };
        var documentStarts = new List<int> { 0 };
        foreach (var document in documents)
        {
            foreach (int[] sentence in document)
                sentenceStarts.Add(sentenceStarts[^1] + sentence.Length);
            documentStarts.Add(sentenceStarts.Count - 1);
        }
        _sentenceStarts = sentenceStarts.ToArray();
        _documentStarts = documentStarts.ToArray();
    }

    /// <summary>[PAD] [UNK] [CLS] [SEP] [MASK], words "w0".."w{words-1}", then pieces "##p0".."##p{pieces-1}".</summary>
    public static Vocabulary Vocabulary(int words = 300, int pieces = 100) =>
        new([.. BertCore.Text.Vocabulary.SpecialTokens, .. Enumerable.Range(0, words).Select(i => $"w{i}"), .. Enumerable.Range(0, pieces).Select(i => $"##p{i}")]);

    /// <summary>
    /// Random documents over <paramref name="vocabulary"/> (of <see cref="Vocabulary"/>'s shape): words of one to
    /// three tokens (a word and ## pieces), an [UNK] now and then, sentence lengths in [minLength, maxLength] and,
    /// with probability <paramref name="longSentences"/>, up to 4 × maxLength.
    /// </summary>
    public static MemoryCorpus Random(Vocabulary vocabulary, int documents, int minSentences, int maxSentences,
        int minLength, int maxLength, int seed, double longSentences = 0)
    {
        var random = new Random(seed);
        int[] words = Enumerable.Range(0, vocabulary.Count).Where(id => !vocabulary.IsSpecial(id) && !vocabulary[id].StartsWith("##")).ToArray();
        int[] pieces = Enumerable.Range(0, vocabulary.Count).Where(id => vocabulary[id].StartsWith("##")).ToArray();
        var result = new List<IReadOnlyList<int[]>>();
        for (int d = 0; d < documents; d++)
        {
            var sentences = new List<int[]>();
            for (int s = random.Next(minSentences, maxSentences + 1); s > 0; s--)
            {
                int length = random.NextDouble() < longSentences ? random.Next(maxLength, 4 * maxLength) : random.Next(minLength, maxLength + 1);
                var ids = new List<int>();
                while (ids.Count < length)
                {
                    ids.Add(random.Next(50) == 0 ? vocabulary.UnknownId : words[random.Next(words.Length)]);
                    for (int p = random.Next(4) - 1; p > 0 && ids.Count < length; p--)
                        ids.Add(pieces[random.Next(pieces.Length)]);
                }
                sentences.Add(ids.ToArray());
            }
            result.Add(sentences);
        }
        return new MemoryCorpus(result);
    }

    public int DocumentCount => _documentStarts.Length - 1;
    public int SentenceCount => _sentenceStarts.Length - 1;
    public long TokenCount => _ids.Length;
    public (int First, int End) DocumentSentences(int document) => (_documentStarts[document], _documentStarts[document + 1]);
    public long SentenceStart(int sentence) => _sentenceStarts[sentence];
    public ReadOnlySpan<int> Tokens(long start, int length) => _ids.AsSpan((int)start, length);

    /// <summary>The document holding token <paramref name="token"/>.</summary>
    public int DocumentOf(long token)
    {
        int sentence = Array.BinarySearch(_sentenceStarts, token);
        sentence = sentence >= 0 ? sentence : ~sentence - 1;
        int document = Array.BinarySearch(_documentStarts, sentence);
        return document >= 0 ? document : ~document - 1;
    }

    /// <summary>Whether a sentence starts (or the corpus ends) at <paramref name="token"/>.</summary>
    public bool IsSentenceBoundary(long token) => Array.BinarySearch(_sentenceStarts, token) >= 0;
}

/// <summary>Bounds for counts of random events.</summary>
internal static class Binomial
{
    /// <summary>Asserts <paramref name="hits"/> of <paramref name="trials"/> is within <paramref name="sigmas"/> standard deviations of rate <paramref name="p"/>.</summary>
    public static void AssertRate(long hits, long trials, double p, string what, double sigmas = 5)
    {
        double sd = Math.Sqrt(trials * p * (1 - p));
        double expected = trials * p;
        Xunit.Assert.True(Math.Abs(hits - expected) <= sigmas * sd,
            $"{what}: {hits} of {trials} ({(double)hits / trials:F4}), expected {p:F4} ± {sigmas} σ ({sigmas * sd / trials:F4})");
    }
}
