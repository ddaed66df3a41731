namespace BertCore.Backends;

/// <summary>
/// Counter-based random numbers: the value at (seed, counter) is a pure function, so any backend and any thread
/// order give the same dropout mask, and backward recomputes the mask instead of storing it. The hash is
/// SplitMix64's finalizer over a Weyl combination of seed and counter.
/// </summary>
public static class CounterRng
{
    public static ulong Hash(ulong seed, ulong counter)
    {
        ulong z = counter * 0x9E3779B97F4A7C15UL + seed * 0xD1B54A32D192ED03UL + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits, exactly representable in fp32.</summary>
    public static float Uniform(ulong seed, ulong counter) => (Hash(seed, counter) >> 40) * (1f / 16777216f);

    /// <summary>Whether dropout keeps element <paramref name="counter"/>: kept with probability 1 - p.</summary>
    public static bool Keep(float p, ulong seed, ulong counter) => Uniform(seed, counter) >= p;
}
