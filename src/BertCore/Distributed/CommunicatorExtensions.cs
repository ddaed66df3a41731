using System.Globalization;
using System.Runtime.InteropServices;

namespace BertCore.Distributed;

/// <summary>Typed forms of the byte collectives of <see cref="ICommunicator"/>.</summary>
public static class CommunicatorExtensions
{
    /// <summary><see cref="ICommunicator.AllGather"/> of values: receive is [Size × send.Length], in rank order.</summary>
    public static void AllGather<T>(this ICommunicator world, ReadOnlySpan<T> send, Span<T> receive, string what) where T : unmanaged
    {
        if (receive.Length != send.Length * world.Size)
            throw new ArgumentException($"AllGather of {what}: receive holds {receive.Length} values, not {world.Size} × {send.Length}");
        world.AllGather(MemoryMarshal.AsBytes(send), MemoryMarshal.AsBytes(receive), what);
    }

    /// <summary><see cref="ICommunicator.Broadcast"/> of values from rank 0.</summary>
    public static void Broadcast<T>(this ICommunicator world, Span<T> data, string what) where T : unmanaged =>
        world.Broadcast(MemoryMarshal.AsBytes(data), what);

    /// <summary>Requires every rank to hold rank 0's <paramref name="value"/> of a setting that each rank reads for
    /// itself (from its environment, say): rank 0's value is broadcast, and a rank whose own differs throws.</summary>
    /// <param name="name">Names the setting in the message (e.g. the environment variable).</param>
    /// <exception cref="InvalidOperationException">This rank's value differs from rank 0's.</exception>
    public static void RequireSameOnEveryRank(this ICommunicator world, double value, string name)
    {
        if (world.Size == 1) return;
        Span<double> rankZero = [value];
        world.Broadcast<double>(rankZero, $"rank 0's {name}");
        if (rankZero[0] != value)
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"{name} is {value} on rank {world.Rank} but {rankZero[0]} on rank 0: every rank must use the same (mpirun passes its ") +
                $"environment to the ranks on its own machine only; add -x {name} for the others)");
    }

    /// <summary>Runs <paramref name="work"/> on rank 0 first, then on the other ranks (they wait for rank 0 without the
    /// watchdog's limit): for work whose first run writes a cache that the later runs read.</summary>
    /// <param name="what">Names the work in a wait's message, e.g. "rank 0's teacher cache".</param>
    public static T RankZeroFirst<T>(this ICommunicator world, string what, Func<T> work)
    {
        if (world.Rank != 0) world.Barrier(what, watched: false);
        var result = work();
        if (world.Rank == 0) world.Barrier(what, watched: false);
        return result;
    }

    /// <summary><see cref="RankZeroFirst{T}"/> for work without a result.</summary>
    public static void RankZeroFirst(this ICommunicator world, string what, Action work) =>
        world.RankZeroFirst(what, () => { work(); return true; });
}
