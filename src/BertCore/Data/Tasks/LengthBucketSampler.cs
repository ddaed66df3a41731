using BertCore.Backends;

namespace BertCore.Data.Tasks;

/// <summary>
/// Groups features of similar length into batches so that padding each batch to its own longest row wastes little
/// (SST-2 sentences average about 13 tokens; padding all of them to 64 spends 5× the compute). An epoch:
/// <list type="number">
/// <item>a seeded shuffle of all features;</item>
/// <item>chunks of <c>batchSize × chunkBatches</c> consecutive shuffled features, each sorted by length (longest first);</item>
/// <item>each chunk cut into batches of <c>batchSize</c> (the last batch of the epoch may be smaller);</item>
/// <item>a seeded shuffle of the batch order.</item>
/// </list>
/// The result is a pure function of (lengths, batch size, chunk size, seed, epoch): runs and resumes repeat it
/// exactly. Randomness comes from <see cref="CounterRng"/>, so it does not depend on the .NET version.
/// </summary>
public sealed class LengthBucketSampler
{
    private readonly int[] _lengths;

    /// <summary>A sampler over features of the given lengths.</summary>
    /// <param name="lengths">[N] token count of each feature (e.g. <see cref="SequenceFeature.Length"/>).</param>
    /// <param name="batchSize">Features per batch.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="chunkBatches">Batches per sorted chunk: 1 gives plain random batches, larger values tighter lengths and less randomness.</param>
    public LengthBucketSampler(IReadOnlyList<int> lengths, int batchSize, ulong seed, int chunkBatches = 50)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBatches, 1);
        _lengths = lengths.ToArray();
        BatchSize = batchSize;
        Seed = seed;
        ChunkBatches = chunkBatches;
    }

    /// <summary>Features per batch.</summary>
    public int BatchSize { get; }

    /// <summary>The run's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Batches per sorted chunk.</summary>
    public int ChunkBatches { get; }

    /// <summary>Number of batches per epoch.</summary>
    public int BatchesPerEpoch => (_lengths.Length + BatchSize - 1) / BatchSize;

    /// <summary>The batches of epoch <paramref name="epoch"/> (0-based): feature indices, every feature exactly once.</summary>
    public int[][] Epoch(int epoch)
    {
        ulong stream = CounterRng.Hash(Seed, (ulong)epoch);
        int[] order = Permutation(_lengths.Length, CounterRng.Hash(stream, 0));
        int chunk = BatchSize * ChunkBatches;
        for (int from = 0; from < order.Length; from += chunk)
        {
            int count = Math.Min(chunk, order.Length - from);
            // Stable: equal lengths keep their shuffled order.
            int[] sorted = order.AsSpan(from, count).ToArray().OrderByDescending(i => _lengths[i]).ToArray();
            sorted.CopyTo(order, from);
        }
        int[][] batches = Cut(order, BatchSize);
        int[] batchOrder = Permutation(batches.Length, CounterRng.Hash(stream, 1));
        return batchOrder.Select(b => batches[b]).ToArray();
    }

    /// <summary>
    /// Batches for evaluation and prediction: every feature once, no randomness. Sorted longest first when
    /// <paramref name="byLength"/> (fastest; callers map results back through the indices), else in input order.
    /// </summary>
    public static int[][] InOrder(IReadOnlyList<int> lengths, int batchSize, bool byLength = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        IEnumerable<int> order = Enumerable.Range(0, lengths.Count);
        if (byLength)
            order = order.OrderByDescending(i => lengths[i]);
        return Cut(order.ToArray(), batchSize);
    }

    /// <summary>Tokens processed when each batch is padded to its longest row: Σ batch size × longest length.</summary>
    public static long PaddedTokens(IEnumerable<int[]> batches, IReadOnlyList<int> lengths) =>
        batches.Sum(b => (long)b.Length * b.Max(i => lengths[i]));

    /// <summary>A seeded Fisher–Yates permutation of 0 … n-1.</summary>
    private static int[] Permutation(int n, ulong seed)
    {
        int[] p = new int[n];
        for (int i = 0; i < n; i++)
            p[i] = i;
        for (int i = n - 1; i > 0; i--)
        {
            int j = (int)(CounterRng.Hash(seed, (ulong)i) % (ulong)(i + 1));
            (p[i], p[j]) = (p[j], p[i]);
        }
        return p;
    }

    private static int[][] Cut(int[] order, int batchSize)
    {
        var batches = new int[(order.Length + batchSize - 1) / batchSize][];
        for (int b = 0; b < batches.Length; b++)
            batches[b] = order.AsSpan(b * batchSize, Math.Min(batchSize, order.Length - b * batchSize)).ToArray();
        return batches;
    }
}
