using BertCore.Distributed;

namespace BertCore.Tests.Distributed;

/// <summary>
/// Ranks of one process, each run on its own thread, for code that needs only <see cref="ICommunicator.Broadcast"/>
/// and <see cref="ICommunicator.Barrier"/> (a <see cref="BertCore.Training.RunClock"/>); the other collectives throw.
/// A rank that waits more than 10 s for the others throws, so a test whose ranks call different collectives fails
/// instead of hanging.
/// </summary>
internal sealed class InMemoryRanks
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private readonly Barrier _barrier;
    private byte[] _broadcast = [];   // rank 0's bytes of the current Broadcast

    private InMemoryRanks(int size) => _barrier = new Barrier(size);

    /// <summary>The communicators of <paramref name="size"/> ranks, rank r at index r.</summary>
    public static ICommunicator[] Create(int size)
    {
        var ranks = new InMemoryRanks(size);
        return Enumerable.Range(0, size).Select(rank => (ICommunicator)new Member(ranks, rank, size)).ToArray();
    }

    private void Wait(int rank, string what)
    {
        if (!_barrier.SignalAndWait(s_timeout)) throw new TimeoutException($"rank {rank} waited {s_timeout.TotalSeconds} s for {what}");
    }

    private sealed class Member(InMemoryRanks ranks, int rank, int size) : ICommunicator
    {
        public int Rank => rank;
        public int Size => size;

        public void Broadcast(Span<byte> data, string what)
        {
            if (rank == 0) ranks._broadcast = data.ToArray();
            ranks.Wait(rank, what);   // rank 0's bytes are out
            if (rank != 0)
            {
                if (ranks._broadcast.Length != data.Length)
                    throw new InvalidOperationException($"rank {rank} expects {data.Length} bytes of {what}, rank 0 sent {ranks._broadcast.Length}");
                ranks._broadcast.CopyTo(data);
            }
            ranks.Wait(rank, what);   // every rank has read them
        }

        public void Barrier(string what, bool watched = true) => ranks.Wait(rank, what);

        public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive, string what) => throw new NotSupportedException("AllGather");
        public nint StartAllGather(ReadOnlySpan<byte> send, Span<byte> receive) => throw new NotSupportedException("StartAllGather");
        public bool Test(ref nint request) => throw new NotSupportedException("Test");
        public void Wait(ref nint request, string what) => throw new NotSupportedException("Wait");
        public void Abort(int exitCode) => throw new NotSupportedException("Abort");
        public void Dispose() { }
    }
}
