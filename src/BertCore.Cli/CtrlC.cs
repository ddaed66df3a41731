namespace BertCore.Cli;

/// <summary>
/// Ctrl+C for a long run: the first press cancels <see cref="Token"/> (the run finishes its step and ends cleanly),
/// a second one kills the process. Listens from construction until disposed.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public CtrlC() => Console.CancelKeyPress += OnCancel;

    /// <summary>Cancelled by the first Ctrl+C.</summary>
    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _source.Dispose();
    }

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = !_source.IsCancellationRequested;
        _source.Cancel();
    }
}
