using Spectre.Console;

namespace BertCore.Cli;

/// <summary>
/// Where a training run's progress goes. On a terminal, <see cref="Run{T}"/> shows a live Spectre.Console display
/// (one progress bar per run, event lines above it); when the output is redirected, every line is written as plain
/// text exactly as before, for the scripts and tests that parse it.
/// </summary>
public sealed class TrainingDisplay(IAnsiConsole console, bool live)
{
    private ProgressContext? _context;

    /// <summary>The display of this process: live when standard output is a terminal.</summary>
    public static TrainingDisplay ForConsole() => new(AnsiConsole.Console, live: LiveTerminal);

    /// <summary>Whether standard output is a terminal that progress may redraw: not redirected, and not a rank under
    /// mpirun (which gives its ranks a pty).</summary>
    public static bool LiveTerminal => !Console.IsOutputRedirected && Distributed.MpiLaunch.LaunchedRanks == 1;

    /// <summary>The live display's context while <see cref="Run{T}"/> runs on a terminal; null otherwise.</summary>
    public ProgressContext? Live => _context;

    /// <summary>Runs <paramref name="work"/> (a training run) inside the live display when there is one.</summary>
    public T Run<T>(Func<T> work)
    {
        if (!live) return work();
        return console.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .Start(context =>
            {
                _context = context;
                try
                {
                    return work();
                }
                finally
                {
                    _context = null;
                }
            });
    }

    /// <summary>A line of its own: above the live display, or plain on standard output.</summary>
    public void WriteLine(string text)
    {
        if (_context != null) console.WriteLine(text);
        else Console.WriteLine(text);
    }
}
