namespace BertCore.Data.Tasks;

/// <summary>The edit <see cref="TextAugmenter"/> applies to a word list.</summary>
public enum AugmentOperation
{
    /// <summary>Two words at distinct random positions trade places.</summary>
    Swap,

    /// <summary>A random word is removed (never the last one left).</summary>
    Delete,

    /// <summary>A copy of a random word of the sentence is inserted at a random position (EDA's random insertion
    /// without a thesaurus: the inserted word comes from the same sentence, not from a synonym list).</summary>
    Insert,
}

/// <summary>
/// EDA-style text augmentation (Wei &amp; Zou 2019, without synonyms): each augmented copy of a text applies
/// n = max(1, round(α·words)) edits, each one a random <see cref="AugmentOperation"/> (swap, delete or insert,
/// equally likely) to the words (split on white space, joined with one space). Every choice is drawn from a
/// counter-based stream keyed by (seed, example, copy, segment), so the copies are the same on every run and do
/// not depend on the other examples. Labels are kept.
/// </summary>
public sealed class TextAugmenter
{
    /// <param name="seed">Seeds every choice.</param>
    /// <param name="alpha">Edits per word (EDA's α, default 0.1); at least one edit per copy.</param>
    public TextAugmenter(int seed, double alpha = 0.1)
    {
        if (!(alpha is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in [0, 1]");
        Seed = seed;
        Alpha = alpha;
    }

    public int Seed { get; }
    public double Alpha { get; }

    /// <summary>The training set with <paramref name="copies"/> augmented copies of each example after the
    /// originals: originals in order, then copy 1 of every example, then copy 2, ... Both texts of a pair are
    /// augmented, independently; label, value and line are kept.</summary>
    public IReadOnlyList<SequenceExample> Expand(IReadOnlyList<SequenceExample> examples, int copies)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(copies);
        var result = new List<SequenceExample>(examples.Count * (copies + 1));
        result.AddRange(examples);
        for (int copy = 1; copy <= copies; copy++)
            for (int i = 0; i < examples.Count; i++)
            {
                var e = examples[i];
                result.Add(e with
                {
                    Text = Augment(e.Text, i, copy, 0),
                    TextPair = e.TextPair is null ? null : Augment(e.TextPair, i, copy, 1),
                });
            }
        return result;
    }

    /// <summary>Copy <paramref name="copy"/> of segment <paramref name="segment"/> (0: text, 1: pair) of
    /// example <paramref name="example"/>.</summary>
    public string Augment(string text, int example, int copy, int segment)
    {
        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).ToList();
        if (words.Count == 0) return text;
        var random = new RandomStream((ulong)Seed, RandomPurpose.Augmentation, (ulong)example, ((ulong)copy << 1) | (uint)segment);
        int edits = Math.Max(1, (int)Math.Round(Alpha * words.Count, MidpointRounding.ToEven));
        for (int i = 0; i < edits; i++)
            Apply((AugmentOperation)random.NextInt(0, 3), words, random);
        return string.Join(' ', words);
    }

    /// <summary>Applies <paramref name="operation"/> to <paramref name="words"/> in place (swap and delete need
    /// at least two words and leave a single word as it is).</summary>
    internal static void Apply(AugmentOperation operation, List<string> words, RandomStream random)
    {
        switch (operation)
        {
            case AugmentOperation.Swap when words.Count >= 2:
                int a = random.NextInt(0, words.Count), b = random.NextInt(0, words.Count - 1);
                if (b >= a) b++;   // distinct from a, uniform over the others
                (words[a], words[b]) = (words[b], words[a]);
                break;
            case AugmentOperation.Delete when words.Count >= 2:
                words.RemoveAt(random.NextInt(0, words.Count));
                break;
            case AugmentOperation.Insert:
                string word = words[random.NextInt(0, words.Count)];
                words.Insert(random.NextInt(0, words.Count + 1), word);
                break;
        }
    }
}
