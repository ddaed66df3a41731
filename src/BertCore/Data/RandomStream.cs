using BertCore.Backends;

namespace BertCore.Data;

/// <summary>What a <see cref="RandomStream"/> is for; part of its key, so the streams never overlap.</summary>
internal enum RandomPurpose : ulong
{
    Examples = 1,
    Shuffle = 2,
    Masking = 3,
    Augmentation = 4,
    TaskSampling = 5,
}

/// <summary>
/// A stream of random numbers that is a pure function of its key: value k of the stream keyed by (seed, purpose,
/// a, b) is <see cref="CounterRng.Hash"/>(key, k). The data pipeline draws every random choice from such streams
/// keyed by what the choice is about (document, epoch, example), so any part of the batch stream can be
/// recomputed exactly without replaying what came before it, on any runtime.
/// </summary>
internal sealed class RandomStream(ulong seed, RandomPurpose purpose, ulong a = 0, ulong b = 0)
{
    private readonly ulong _key = CounterRng.Hash(CounterRng.Hash(CounterRng.Hash(seed, (ulong)purpose), a), b);
    private ulong _counter;

    /// <summary>64 uniform random bits.</summary>
    public ulong NextUInt64() => CounterRng.Hash(_key, _counter++);

    /// <summary>Uniform in [0, 1) with 53 bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>) by multiply-shift
    /// (Lemire); the bias, below range / 2^64, is negligible.</summary>
    public long NextLong(long minInclusive, long maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxExclusive, minInclusive);
        ulong range = (ulong)(maxExclusive - minInclusive);
        return minInclusive + (long)(ulong)(((UInt128)NextUInt64() * range) >> 64);
    }

    /// <summary>Uniform in [<paramref name="minInclusive"/>, <paramref name="maxExclusive"/>).</summary>
    public int NextInt(int minInclusive, int maxExclusive) => (int)NextLong(minInclusive, maxExclusive);
}
