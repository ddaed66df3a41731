namespace BertCore.Backends.Gpu;

/// <summary>Item indices grouped by a key (first-seen order of keys, item order kept within a key), its lists reused
/// from call to call so that a warm call allocates nothing.</summary>
internal sealed class Partitions<TKey>
{
    private readonly List<TKey> _keys = new();
    private readonly List<List<int>> _items = new();

    public int Count => _keys.Count;
    public TKey Key(int k) => _keys[k];
    public List<int> Items(int k) => _items[k];

    public void Clear()
    {
        _keys.Clear();
        foreach (var items in _items) items.Clear();
    }

    public void Add(TKey key, int item)
    {
        int k = _keys.IndexOf(key);
        if (k < 0)
        {
            k = _keys.Count;
            _keys.Add(key);
            if (_items.Count == k) _items.Add(new List<int>());
        }
        _items[k].Add(item);
    }
}
