namespace BertCore.Backends;

/// <summary>
/// Counter-based random numbers: the value at (seed, counter) is a pure function, so any backend and any thread
/// order give the same dropout mask, and backward recomputes the mask instead of storing it. The hash is
/// SplitMix64's finalizer over a Weyl combination of seed and counter, written once in
/// <see cref="Kernels.DeviceRng"/> so that the GPU kernels draw the same bits.
/// </summary>
public static class CounterRng
{
    public static ulong Hash(ulong seed, ulong counter) => Kernels.DeviceRng.Hash(seed, counter);

    /// <summary>Uniform in [0, 1) with 24 bits, exactly representable in fp32.</summary>
    public static float Uniform(ulong seed, ulong counter) => Kernels.DeviceRng.Uniform(seed, counter);

    /// <summary>Whether dropout keeps element <paramref name="counter"/>: kept with probability 1 - p.</summary>
    public static bool Keep(float p, ulong seed, ulong counter) => Uniform(seed, counter) >= p;
}
