namespace BertCore.Kernels;

/// <summary>
/// The counter RNG of every backend (the engine's CounterRng forwards here, so CPU and GPU dropout masks are the
/// same bits): SplitMix64's finalizer over a Weyl combination of seed and counter. Plain static methods, so device
/// kernels call them too.
/// </summary>
public static class DeviceRng
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

    /// <summary>The dropout multiplier of element <paramref name="counter"/>: 1/(1 - p) when kept, 0 when dropped.</summary>
    public static float Multiplier(float p, ulong seed, ulong counter) =>
        Uniform(seed, counter) >= p ? 1f / (1f - p) : 0f;
}
