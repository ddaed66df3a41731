namespace BertCore.Distributed;

/// <summary>The communicator of a run in one process (the default): rank 0 of 1; collectives copy or do nothing.</summary>
public sealed class SingleProcess : ICommunicator
{
    /// <summary>The one instance (it holds nothing).</summary>
    public static readonly SingleProcess Instance = new();

    private SingleProcess() { }

    public int Rank => 0;
    public int Size => 1;

    public void Broadcast(Span<byte> data, string what) { }

    public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive, string what) => send.CopyTo(receive);

    public nint StartAllGather(ReadOnlySpan<byte> send, Span<byte> receive)
    {
        send.CopyTo(receive);
        return 0;
    }

    public bool Test(ref nint request) => true;

    public void Wait(ref nint request, string what) { }

    public void Barrier(string what, bool watched = true) { }

    public void Abort(int exitCode) => Environment.Exit(exitCode);

    public void Dispose() { }
}
