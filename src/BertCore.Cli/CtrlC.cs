using System.Runtime.InteropServices;

namespace BertCore.Cli;

/// <summary>
/// Ctrl+C for a long run: the first press cancels <see cref="Token"/> (the run finishes its step and ends cleanly),
/// a second one kills the process. SIGUSR1 does the same (on Linux and macOS): under mpirun, which kills the job on
/// Ctrl+C but forwards SIGUSR1 to every rank, `kill -USR1 MPIRUN_PID` is the clean stop (rank 0's request stops
/// every rank after the same step: <see cref="BertCore.Training.RunClock"/>). Listens from construction until disposed.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration? _usr1;

    public CtrlC()
    {
        Console.CancelKeyPress += OnCancel;
        if (UserSignal1() is { } usr1) _usr1 = PosixSignalRegistration.Create(usr1, OnSignal);
    }

    /// <summary>Cancelled by the first Ctrl+C or SIGUSR1.</summary>
    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _usr1?.Dispose();
        _source.Dispose();
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e) => e.Cancel = Cancel();

    private void OnSignal(PosixSignalContext context) => context.Cancel = Cancel();

    /// <summary>Cancels the token; returns whether this was the first request (the signal's default action, ending
    /// the process, is then suppressed).</summary>
    private bool Cancel()
    {
        bool first = !_source.IsCancellationRequested;
        _source.Cancel();
        return first;
    }

    /// <summary>SIGUSR1, which <see cref="PosixSignal"/> has no name for (a raw signal number is accepted): 10 on Linux,
    /// 30 on macOS; null elsewhere.</summary>
    private static PosixSignal? UserSignal1() =>
        OperatingSystem.IsLinux() ? (PosixSignal)10 : OperatingSystem.IsMacOS() ? (PosixSignal)30 : null;
}
