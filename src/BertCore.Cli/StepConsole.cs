using System.Diagnostics;

namespace BertCore.Cli;

/// <summary>
/// Console output of a training loop, shared by the pretraining and fine-tuning printers: on a terminal a status
/// bar redrawn in place (at most ten times a second, always on the last step and before an event); otherwise a
/// plain log line every <c>logEvery</c> steps and after the last. Events (evaluations, checkpoints) always get a line of their own.
/// </summary>
internal sealed class StepConsole(int logEvery)
{
    private const int BarWidth = 24;
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceRedraw = Stopwatch.StartNew();
    private bool _barShown;

    /// <summary>Shows step <paramref name="step"/>: <paramref name="bar"/> text on a terminal, <paramref name="line"/> text in a log.</summary>
    /// <param name="last">The run's last step: always drawn or logged.</param>
    /// <param name="redraw">Redraw the bar now whatever the rate limit (an event follows); logging is unaffected.</param>
    public void Step(int step, bool last, bool redraw, Func<string> bar, Func<string> line)
    {
        if (_terminal)
        {
            if (last || redraw || _sinceRedraw.ElapsedMilliseconds >= 100)
            {
                Console.Write("\r" + bar());
                _barShown = true;
                _sinceRedraw.Restart();
            }
        }
        else if (last || step % logEvery == 0)
            Console.WriteLine(line());
    }

    /// <summary>A line of its own, after the bar.</summary>
    public void Event(string text)
    {
        Finish();
        Console.WriteLine(text);
    }

    /// <summary>Ends the bar's line so that later output starts on a fresh one.</summary>
    public void Finish()
    {
        if (_barShown) Console.WriteLine();
        _barShown = false;
    }

    /// <summary>"[####....] step/total".</summary>
    public static string Bar(int step, int total)
    {
        int filled = (int)((long)BarWidth * step / total);
        return $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {step}/{total}";
    }

    /// <summary>h:mm:ss.</summary>
    public static string Time(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}";
}
