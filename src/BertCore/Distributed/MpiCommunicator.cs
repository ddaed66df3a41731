using System.Diagnostics;

namespace BertCore.Distributed;

/// <summary>
/// The ranks of a run started by mpirun, over Open MPI (<see cref="MpiLibrary"/>). Each collective is the
/// non-blocking MPI call polled to completion under a watchdog: a rank that waits longer than
/// <see cref="Timeout"/> (a rank died or hangs) prints "rank R: waited N s for WHAT ..." on stderr and calls
/// MPI_Abort, which ends every rank with a non-zero exit code. <see cref="StartAllGather"/> returns the request instead,
/// for <see cref="Test"/> (MPI_Test, no watchdog: it does not wait) and <see cref="Wait"/> (polled under the watchdog,
/// as the blocking collectives are; MPI_Waitall would block without one). Polling yields the processor, then sleeps 1 ms
/// between polls once a wait passes 50 ms, so that ranks sharing cores leave them to the ranks still computing.
/// </summary>
public sealed unsafe class MpiCommunicator : ICommunicator
{
    /// <summary>The exit code of a rank that the watchdog ends.</summary>
    public const int WatchdogExitCode = 3;

    private readonly MpiLibrary _mpi;
    private bool _finalized;

    /// <summary>Loads Open MPI and initializes it (MPI_Init_thread, serialized).</summary>
    /// <param name="timeout">The watchdog's limit on one collective.</param>
    /// <exception cref="InvalidOperationException">libmpi cannot be loaded or initialized.</exception>
    public MpiCommunicator(TimeSpan timeout)
    {
        _mpi = MpiLibrary.Load();
        Timeout = timeout;
        int initialized, provided, rank, size;
        Check(_mpi.Initialized(&initialized), "MPI_Initialized");
        if (initialized == 0) Check(_mpi.InitThread(null, 0, MpiLibrary.ThreadSerialized, &provided), "MPI_Init_thread");
        Check(_mpi.CommRank(_mpi.CommWorld, &rank), "MPI_Comm_rank");
        Check(_mpi.CommSize(_mpi.CommWorld, &size), "MPI_Comm_size");
        (Rank, Size) = (rank, size);
    }

    public int Rank { get; }
    public int Size { get; }

    /// <summary>How long one collective may wait for the other ranks before the watchdog aborts them all.</summary>
    public TimeSpan Timeout { get; }

    public void Broadcast(Span<byte> data, string what)
    {
        fixed (byte* p = data)
        {
            nint request;
            Check(_mpi.Ibcast(p, data.Length, _mpi.Byte, 0, _mpi.CommWorld, &request), "MPI_Ibcast");
            Poll(&request, what, watched: true);
        }
    }

    public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive, string what)
    {
        fixed (byte* s = send)
        fixed (byte* r = receive)
        {
            nint request = BeginAllGather(s, send.Length, r, receive.Length, what);
            Poll(&request, what, watched: true);
        }
    }

    public nint StartAllGather(ReadOnlySpan<byte> send, Span<byte> receive)
    {
        fixed (byte* s = send)
        fixed (byte* r = receive)
            return BeginAllGather(s, send.Length, r, receive.Length, "the gradients");
    }

    private nint BeginAllGather(byte* send, int sendBytes, byte* receive, int receiveBytes, string what)
    {
        if (receiveBytes != (long)sendBytes * Size) throw new ArgumentException($"AllGather of {what}: receive holds {receiveBytes} bytes, not {Size} × {sendBytes}");
        nint request;
        Check(_mpi.Iallgather(send, sendBytes, _mpi.Byte, receive, sendBytes, _mpi.Byte, _mpi.CommWorld, &request), "MPI_Iallgather");
        return request;
    }

    public bool Test(ref nint request)
    {
        if (request == 0) return true;
        int done;
        fixed (nint* r = &request) Check(_mpi.Test(r, &done, 0), "MPI_Test");
        if (done != 0) request = 0;
        return done != 0;
    }

    public void Wait(ref nint request, string what)
    {
        if (request == 0) return;
        long start = Stopwatch.GetTimestamp();
        fixed (nint* r = &request) Poll(r, what, watched: true);
        request = 0;
        StartedWaited += Stopwatch.GetElapsedTime(start);
    }

    /// <summary>The time this rank spent in <see cref="Wait"/>, for the collectives begun with
    /// <see cref="StartAllGather"/> (a data-parallel step's gradients): waiting for the other ranks and for the bytes
    /// not yet moved while it computed.</summary>
    public TimeSpan StartedWaited { get; private set; }

    public void Barrier(string what, bool watched = true)
    {
        nint request;
        Check(_mpi.Ibarrier(_mpi.CommWorld, &request), "MPI_Ibarrier");
        Poll(&request, what, watched);
    }

    public void Abort(int exitCode)
    {
        Console.Out.Flush();
        Console.Error.Flush();
        _mpi.Abort(_mpi.CommWorld, exitCode);
        Environment.Exit(exitCode);   // MPI_Abort does not return; this is for an implementation whose does
    }

    /// <summary>MPI_Finalize: call it on every rank after the last collective of a run that ended well (a rank that
    /// failed calls <see cref="Abort"/> instead).</summary>
    public void Dispose()
    {
        if (_finalized) return;
        _finalized = true;
        Check(_mpi.Finalize(), "MPI_Finalize");
    }

    private void Poll(nint* request, string what, bool watched)
    {
        long start = Stopwatch.GetTimestamp();
        for (long polls = 0; ; polls++)
        {
            int done;
            Check(_mpi.Test(request, &done, 0), "MPI_Test");
            if (done != 0) return;
            if ((polls & 63) != 0) { Thread.Yield(); continue; }
            var waited = Stopwatch.GetElapsedTime(start);
            if (watched && waited > Timeout)
            {
                Console.Error.WriteLine($"rank {Rank}: waited {waited.TotalSeconds:F0} s for {what} from the other ranks " +
                    $"(the limit is {Timeout.TotalSeconds:F0} s, {MpiLaunch.TimeoutVariable}); a rank died or hangs: aborting every rank");
                Abort(WatchdogExitCode);
            }
            if (waited.TotalMilliseconds > 50) Thread.Sleep(1);
            else Thread.Yield();
        }
    }

    private void Check(int code, string call)
    {
        if (code != 0) throw new InvalidOperationException($"rank {Rank}: {call} failed with MPI error {code}");
    }
}
