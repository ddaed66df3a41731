using System.Runtime.InteropServices;
using System.Text;

namespace BertCore.Text;

/// <summary>
/// Trains a WordPiece vocabulary from text the way Hugging Face <c>tokenizers</c> trains
/// <c>BertWordPieceTokenizer</c> (its WordPieceTrainer, a BPE trainer with the <c>##</c> continuation prefix).
/// Feed text with <see cref="AddText"/>, then call <see cref="Train"/>. Deterministic: the same text in the same
/// order gives the same vocabulary. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>Steps: (1) every text is split into words by <see cref="Text.BasicTokenizer"/> (lower-cased and accent-free
/// unless cased) and the words are counted; (2) the alphabet is every character (code point) of those words,
/// limited to the <c>alphabetLimit</c> most frequent ones (ties to the smaller code point), in code point order,
/// followed by the <c>##</c> form of every alphabet character that occurs after the start of a word, also in code
/// point order; characters left out of the alphabet are dropped from the words, as HF does; (3) each word starts as
/// its first character followed by <c>##</c>-characters, and the adjacent pair of symbols with the highest count
/// (over all words, weighted by word counts) is merged into a new token, again and again, until the vocabulary has
/// <c>vocabularySize</c> tokens or no pair occurs <c>minFrequency</c> times. A merged token is the left token
/// followed by the right one without its <c>##</c>; when it already exists the merge adds no token.</para>
/// <para>The merge criterion is the pair's count, as in Hugging Face (and so comparable to the vocabularies people
/// train with it), not WordPiece's likelihood score count(ab)/(count(a)·count(b)) from Schuster and Nakajima.
/// The score favours pairs of rare symbols, which mostly merges rare characters into rare words; the count
/// builds the frequent stems and suffixes first, which is what a small vocabulary needs. Ties go to the pair with
/// the smaller ids, as in HF.</para>
/// <para>The result is [PAD] [UNK] [CLS] [SEP] [MASK] (ids 0–4, BERT's order without [unused] slots), the alphabet,
/// the <c>##</c> characters, then the merged tokens in merge order. Two orders are fixed here where HF leaves them
/// to its hash maps (so its own output varies from run to run): the <c>##</c> characters come in code point order,
/// not in the order they are met, and characters tied in count at the alphabet limit are kept by code point.</para>
/// </remarks>
public sealed class WordPieceTrainer
{
    private const string Continuation = "##";

    private readonly Dictionary<string, long> _wordCounts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> _wordLookup;

    /// <summary>Creates a trainer (defaults as Hugging Face <c>BertWordPieceTokenizer.train</c>, size aside).</summary>
    /// <param name="vocabularySize">Tokens in the result, special tokens included; the result is smaller only when the text runs out of pairs.</param>
    /// <param name="lowercase">Lower-case and strip accents (uncased models); false keeps the text as it is.</param>
    /// <param name="minFrequency">A pair is merged only when it occurs at least this many times.</param>
    /// <param name="alphabetLimit">The most characters kept in the initial alphabet (the most frequent ones).</param>
    /// <exception cref="ArgumentOutOfRangeException">A size not above the 5 special tokens, or a limit below 1.</exception>
    public WordPieceTrainer(int vocabularySize, bool lowercase = true, int minFrequency = 2, int alphabetLimit = 1000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(vocabularySize, Vocabulary.SpecialTokens.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(minFrequency, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(alphabetLimit, 1);
        VocabularySize = vocabularySize;
        MinFrequency = minFrequency;
        AlphabetLimit = alphabetLimit;
        BasicTokenizer = new BasicTokenizer(lowerCase: lowercase);
        _wordLookup = _wordCounts.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>Tokens wanted, special tokens included.</summary>
    public int VocabularySize { get; }

    /// <summary>The fewest occurrences of a pair for it to be merged.</summary>
    public int MinFrequency { get; }

    /// <summary>The most characters in the initial alphabet.</summary>
    public int AlphabetLimit { get; }

    /// <summary>The word splitting and normalization applied to the text (the tokenizer must use the same).</summary>
    public BasicTokenizer BasicTokenizer { get; }

    /// <summary>Distinct words counted so far.</summary>
    public int DistinctWords => _wordCounts.Count;

    /// <summary>Counts the words of <paramref name="text"/> (a sentence, a paragraph, or a whole document).</summary>
    public void AddText(string text)
    {
        var words = new PreTokenized();
        BasicTokenizer.PreTokenize(text, 0, text.Length, words);
        foreach (PreTokenized.Word word in words.Words)
            CollectionsMarshal.GetValueRefOrAddDefault(_wordLookup, words.Chars(word), out _)++;
    }

    /// <summary>Occurrences of words counted so far, over all distinct words.</summary>
    public long WordCount => _wordCounts.Values.Sum();

    /// <summary>
    /// Adds the word counts of <paramref name="counts"/>, each multiplied by <paramref name="weight"/> and rounded to
    /// the nearest integer but at least 1 (a word that was seen stays in the alphabet), so that texts can be mixed
    /// in chosen proportions: weight 2 counts a text as if it were added twice, weight 0.5 as half of it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight that is not a positive finite number.</exception>
    /// <exception cref="ArgumentException">The two trainers normalize text differently (cased and uncased).</exception>
    public void Add(WordPieceTrainer counts, double weight)
    {
        if (!(double.IsFinite(weight) && weight > 0))
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "a weight must be a positive finite number");
        if (counts.BasicTokenizer.LowerCase != BasicTokenizer.LowerCase)
            throw new ArgumentException("The counts were made with another casing.", nameof(counts));
        foreach ((string word, long count) in counts._wordCounts)
            CollectionsMarshal.GetValueRefOrAddDefault(_wordCounts, word, out _) += Math.Max(1, (long)Math.Round(count * weight));
    }

    /// <summary>Runs the merges over the words counted so far and returns the vocabulary.</summary>
    /// <param name="progress">Receives ("merging", tokens added, tokens wanted) now and then.</param>
    /// <exception cref="InvalidOperationException">No text was added, or the special tokens and the alphabet alone exceed the size.</exception>
    public Vocabulary Train(IProgress<WorkProgress>? progress = null)
    {
        if (_wordCounts.Count == 0)
            throw new InvalidOperationException("No text to train a vocabulary on: every text added was empty or white space.");
        var tokens = new List<string>(Vocabulary.SpecialTokens);
        int[] alphabet = Alphabet();
        tokens.AddRange(alphabet.Select(char.ConvertFromUtf32));
        int[] continuations = ContinuationCharacters(alphabet);
        tokens.AddRange(continuations.Select(c => Continuation + char.ConvertFromUtf32(c)));
        if (tokens.Count > VocabularySize)
            throw new InvalidOperationException(
                $"A vocabulary of {VocabularySize} tokens cannot hold the 5 special tokens, the {alphabet.Length} characters of the alphabet " +
                $"and their {continuations.Length} ## forms ({tokens.Count} tokens): ask for a larger size or a smaller alphabet limit.");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < tokens.Count; i++)
            ids[tokens[i]] = i;

        var merges = new PairMerges(InitialWords(ids));
        int initial = tokens.Count, merged = 0;
        while (tokens.Count < VocabularySize && merges.TryTakeBest(MinFrequency, out int left, out int right, out _))
        {
            string token = tokens[left] + (tokens[right].StartsWith(Continuation, StringComparison.Ordinal) ? tokens[right][Continuation.Length..] : tokens[right]);
            if (!ids.TryGetValue(token, out int id))
            {
                ids[token] = id = tokens.Count;
                tokens.Add(token);
            }
            merges.Merge(left, right, id);
            if (++merged % 256 == 0)
                progress?.Report(new WorkProgress("merging", tokens.Count - initial, VocabularySize - initial));
        }
        progress?.Report(new WorkProgress("merging", VocabularySize - initial, VocabularySize - initial));
        return new Vocabulary(tokens);
    }

    /// <summary>The code points kept in the alphabet, in code point order.</summary>
    private int[] Alphabet()
    {
        var counts = new Dictionary<int, long>();
        foreach ((string word, long count) in _wordCounts)
            foreach (Rune rune in word.EnumerateRunes())
                counts[rune.Value] = counts.GetValueOrDefault(rune.Value) + count;
        return counts
            .OrderByDescending(c => c.Value).ThenBy(c => c.Key)
            .Take(AlphabetLimit)
            .Select(c => c.Key)
            .Order()
            .ToArray();
    }

    /// <summary>The alphabet characters that occur after the first character of some word, in code point order.</summary>
    private int[] ContinuationCharacters(int[] alphabet)
    {
        var kept = alphabet.ToHashSet();
        var found = new HashSet<int>();
        foreach (string word in _wordCounts.Keys)
            foreach (Rune rune in word.EnumerateRunes().Skip(1))
                if (kept.Contains(rune.Value))
                    found.Add(rune.Value);
        return found.Order().ToArray();
    }

    /// <summary>Each distinct word as symbol ids (first character plain, the rest ##), characters outside the alphabet dropped.</summary>
    private List<(int[] Symbols, long Count)> InitialWords(Dictionary<string, int> ids)
    {
        var words = new List<(int[], long)>(_wordCounts.Count);
        var symbols = new List<int>();
        foreach ((string word, long count) in _wordCounts)
        {
            symbols.Clear();
            bool first = true;
            foreach (Rune rune in word.EnumerateRunes())
            {
                string token = first ? rune.ToString() : Continuation + rune.ToString();
                first = false;
                if (ids.TryGetValue(token, out int id))
                    symbols.Add(id);
            }
            if (symbols.Count > 0)
                words.Add((symbols.ToArray(), count));
        }
        return words;
    }
}
