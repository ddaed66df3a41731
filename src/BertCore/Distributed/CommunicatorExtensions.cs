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
}
