namespace BertCore.Embeddings;

/// <summary>
/// The best k of the (score, row) pairs offered, kept in a min-heap whose root is the worst one kept. A pair is better
/// than another when its score is higher or, at an equal score, its id comes first in ordinal order
/// (<paramref name="idRank"/>[row] is the row's id's place in that order), so the order is total and the result does
/// not depend on the order of the offers.
/// </summary>
/// <param name="idRank">[N]: the rank of each row's id among all ids, ordinal order.</param>
internal sealed class TopK(int k, int[] idRank)
{
    private readonly float[] _scores = new float[k];
    private readonly int[] _rows = new int[k];
    private int _count;

    /// <summary>Keeps (score, row) if it is among the best k offered so far.</summary>
    public void Offer(float score, int row)
    {
        if (_count < k)
        {
            int i = _count++;
            _scores[i] = score;
            _rows[i] = row;
            SiftUp(i);
        }
        else if (Better(score, row, _scores[0], _rows[0]))
        {
            _scores[0] = score;
            _rows[0] = row;
            SiftDown(0);
        }
    }

    /// <summary>Offers every pair kept by <paramref name="other"/>.</summary>
    public void OfferAll(TopK other)
    {
        for (int i = 0; i < other._count; i++) Offer(other._scores[i], other._rows[i]);
    }

    /// <summary>The pairs kept, best first.</summary>
    public (float Score, int Row)[] Sorted()
    {
        var kept = new (float Score, int Row)[_count];
        for (int i = 0; i < _count; i++) kept[i] = (_scores[i], _rows[i]);
        Array.Sort(kept, (x, y) => x == y ? 0 : Better(x.Score, x.Row, y.Score, y.Row) ? -1 : 1);
        return kept;
    }

    private bool Better(float score, int row, float thanScore, int thanRow) =>
        score > thanScore || (score == thanScore && idRank[row] < idRank[thanRow]);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (!Better(_scores[parent], _rows[parent], _scores[i], _rows[i])) return;
            Swap(i, parent);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            int worst = i, left = 2 * i + 1, right = left + 1;
            if (left < _count && Better(_scores[worst], _rows[worst], _scores[left], _rows[left])) worst = left;
            if (right < _count && Better(_scores[worst], _rows[worst], _scores[right], _rows[right])) worst = right;
            if (worst == i) return;
            Swap(i, worst);
            i = worst;
        }
    }

    private void Swap(int a, int b)
    {
        (_scores[a], _scores[b]) = (_scores[b], _scores[a]);
        (_rows[a], _rows[b]) = (_rows[b], _rows[a]);
    }
}
