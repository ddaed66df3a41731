namespace BertCore.Text;

/// <summary>
/// The merge loop of byte-pair-encoding style vocabulary training over a fixed set of distinct words, each a
/// sequence of symbol ids with a corpus count. Keeps the count of every adjacent symbol pair, weighted by word
/// counts, and the words each pair occurs in, and updates both incrementally on a merge, touching only the
/// words that hold the merged pair (Hugging Face <c>tokenizers</c>' BpeTrainer works the same way).
/// </summary>
/// <remarks>
/// The best pair is taken from a priority queue with lazy deletion: an entry whose count is out of date is
/// pushed back with the current count when it surfaces. Order: highest count first, ties to the smaller
/// (left id, right id) pair, as Hugging Face orders its merges, so the result is deterministic.
/// Hugging Face keeps the words to update in each queue entry rather than per pair, and leaves the merged pair's
/// own count as it was; the results differ only when a merge re-creates a token that already exists (none of
/// the 7722 merges of a size-8000 vocabulary on WikiText-2's test split does).
/// </remarks>
internal sealed class PairMerges
{
    private readonly int[][] _symbols;
    private readonly int[] _lengths;
    private readonly long[] _wordCounts;
    private readonly Dictionary<long, long> _pairCounts = [];
    private readonly Dictionary<long, HashSet<int>> _wordsWithPair = [];
    private readonly PriorityQueue<long, (long Count, long Pair)> _queue = new(new BestFirst());
    private readonly Dictionary<long, long> _changes = [];

    /// <summary>Counts the pairs of <paramref name="words"/> (symbol ids ≥ 0; the arrays are merged in place).</summary>
    public PairMerges(IReadOnlyList<(int[] Symbols, long Count)> words)
    {
        _symbols = new int[words.Count][];
        _lengths = new int[words.Count];
        _wordCounts = new long[words.Count];
        for (int w = 0; w < words.Count; w++)
        {
            (_symbols[w], _wordCounts[w]) = words[w];
            _lengths[w] = _symbols[w].Length;
            for (int i = 0; i + 1 < _lengths[w]; i++)
            {
                long pair = Key(_symbols[w][i], _symbols[w][i + 1]);
                _pairCounts[pair] = _pairCounts.GetValueOrDefault(pair) + _wordCounts[w];
                WordsWith(pair).Add(w);
            }
        }
        foreach ((long pair, long count) in _pairCounts)
            _queue.Enqueue(pair, (count, pair));
    }

    /// <summary>Finds the pair with the highest count; false when no pair occurs <paramref name="minCount"/> times or more.</summary>
    public bool TryTakeBest(long minCount, out int left, out int right, out long count)
    {
        while (_queue.TryDequeue(out long pair, out var entry))
        {
            long current = _pairCounts.GetValueOrDefault(pair);
            if (current != entry.Count)
            {
                if (current > 0)
                    _queue.Enqueue(pair, (current, pair));
                continue;
            }
            if (current < minCount)
                break;
            (left, right, count) = ((int)(pair >> 32), (int)pair, current);
            return true;
        }
        (left, right, count) = (-1, -1, 0);
        return false;
    }

    /// <summary>Replaces every occurrence of (<paramref name="left"/>, <paramref name="right"/>), left to right and
    /// without overlaps, by <paramref name="merged"/>, and updates the pair counts.</summary>
    public void Merge(int left, int right, int merged)
    {
        long key = Key(left, right);
        if (!_wordsWithPair.TryGetValue(key, out HashSet<int>? words))
            return;
        _changes.Clear();
        foreach (int w in words)
            MergeWord(w, left, right, merged);
        foreach ((long pair, long change) in _changes)
        {
            if (change == 0)
                continue;
            long count = _pairCounts.GetValueOrDefault(pair) + change;
            if (count > 0)
                _pairCounts[pair] = count;
            else
            {
                _pairCounts.Remove(pair);
                _wordsWithPair.Remove(pair);
            }
            if (change > 0)
                _queue.Enqueue(pair, (count, pair));
        }
    }

    private void MergeWord(int w, int left, int right, int merged)
    {
        int[] s = _symbols[w];
        int length = _lengths[w];
        long count = _wordCounts[w];
        if (!Holds(s.AsSpan(0, length), left, right))
            return; // the word lost the pair to an earlier merge
        for (int i = 0; i + 1 < length; i++)
            Change(Key(s[i], s[i + 1]), -count);
        int n = 0;
        for (int i = 0; i < length; n++)
        {
            if (i + 1 < length && s[i] == left && s[i + 1] == right)
            {
                s[n] = merged;
                i += 2;
            }
            else
                s[n] = s[i++];
        }
        _lengths[w] = n;
        for (int i = 0; i + 1 < n; i++)
        {
            long pair = Key(s[i], s[i + 1]);
            Change(pair, count);
            if (s[i] == merged || s[i + 1] == merged)
                WordsWith(pair).Add(w);
        }
    }

    private static bool Holds(ReadOnlySpan<int> s, int left, int right)
    {
        for (int i = 0; i + 1 < s.Length; i++)
            if (s[i] == left && s[i + 1] == right)
                return true;
        return false;
    }

    private void Change(long pair, long by) => _changes[pair] = _changes.GetValueOrDefault(pair) + by;

    private HashSet<int> WordsWith(long pair)
    {
        if (!_wordsWithPair.TryGetValue(pair, out HashSet<int>? words))
            _wordsWithPair[pair] = words = [];
        return words;
    }

    private static long Key(int left, int right) => ((long)left << 32) | (uint)right;

    /// <summary>Higher count first; ties to the smaller key, i.e. the smaller (left, right).</summary>
    private sealed class BestFirst : IComparer<(long Count, long Pair)>
    {
        public int Compare((long Count, long Pair) x, (long Count, long Pair) y) =>
            x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair);
    }
}
