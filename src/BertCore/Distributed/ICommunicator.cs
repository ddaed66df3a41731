namespace BertCore.Distributed;

/// <summary>
/// The processes (ranks) of one data-parallel run and the few collectives that training needs. Every rank calls the
/// same collectives in the same order; each waits for all the others. <see cref="SingleProcess"/> is the default (no
/// MPI loaded); <see cref="MpiCommunicator"/> runs over Open MPI (or MPICH) when the process was started by mpirun.
/// </summary>
public interface ICommunicator : IDisposable
{
    /// <summary>This process's rank: 0 ≤ Rank &lt; <see cref="Size"/>. Rank 0 writes the run's files.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>Overwrites <paramref name="data"/> on every rank with rank 0's bytes.</summary>
    /// <param name="what">Names the data in the watchdog's message ("the parameters").</param>
    void Broadcast(Span<byte> data, string what);

    /// <summary>Every rank's <paramref name="send"/> (the same length on all) into <paramref name="receive"/>
    /// [Size × send.Length], in rank order.</summary>
    /// <param name="what">Names the data in the watchdog's message.</param>
    void AllGather(ReadOnlySpan<byte> send, Span<byte> receive, string what);

    /// <summary>
    /// Starts an <see cref="AllGather"/> and returns at once: <see cref="Test"/> lets it progress (Open MPI moves a
    /// non-blocking collective on only inside MPI calls) and <see cref="Wait"/> ends it. Every rank starts the same
    /// collectives in the same order. Until the request is done, <paramref name="send"/> and
    /// <paramref name="receive"/> must stay where they are (pinned arrays or native memory), send unchanged and
    /// receive unread.
    /// </summary>
    /// <returns>The request (0 once it is done).</returns>
    nint StartAllGather(ReadOnlySpan<byte> send, Span<byte> receive);

    /// <summary>Lets the started collectives progress; returns whether <paramref name="request"/> is done (a done
    /// request becomes 0, and 0 is done).</summary>
    bool Test(ref nint request);

    /// <summary>Returns when <paramref name="request"/> is done (it becomes 0).</summary>
    /// <param name="what">Names the data in the watchdog's message.</param>
    void Wait(ref nint request, string what);

    /// <summary>Returns when every rank has called it.</summary>
    /// <param name="what">Names the point in the watchdog's message.</param>
    /// <param name="watched">False: wait without the watchdog's time limit (a rank that builds a cache).</param>
    void Barrier(string what, bool watched = true);

    /// <summary>Ends every rank at once with <paramref name="exitCode"/> (MPI_Abort); does not return.</summary>
    void Abort(int exitCode);
}
