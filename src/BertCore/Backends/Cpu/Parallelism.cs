namespace BertCore.Backends.Cpu;

/// <summary>
/// Splits a loop over independent items (rows, column blocks, attention heads) over threads when the work is
/// large. Every item is computed alone by the same code and owns its outputs, so results do not depend on the
/// split or on the number of threads: the chunking only decides which thread runs an item.
/// </summary>
internal static class Parallelism
{
    /// <summary>Total work (in element operations) below which a loop stays on the calling thread.</summary>
    public const long Threshold = 1 << 16;

    /// <summary>Runs <paramref name="range"/>(start, end) over [0, count), in chunks on several threads when
    /// count · workPerItem reaches <see cref="Threshold"/>.</summary>
    public static void For(int count, long workPerItem, Action<int, int> range)
    {
        if (count <= 1 || count * workPerItem < Threshold)
        {
            range(0, count);
            return;
        }
        int chunks = Math.Min(count, Environment.ProcessorCount * 4);
        Parallel.For(0, chunks, c => range((int)((long)count * c / chunks), (int)((long)count * (c + 1) / chunks)));
    }
}
