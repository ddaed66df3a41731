using System.Diagnostics;
using System.Globalization;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary>
/// Prints <see cref="FineTuningProgress"/>: on a terminal a progress bar redrawn in place (at most ten times a
/// second) with step, epoch, loss, examples/s and ETA; otherwise a plain log line every <c>logEvery</c> steps and
/// after the last. Evaluations and early stopping always get a line of their own.
/// </summary>
internal sealed class FinetuneProgressPrinter(int logEvery)
{
    private const int BarWidth = 24;
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceRedraw = Stopwatch.StartNew();
    private bool _barShown;

    public void Print(FineTuningProgress p)
    {
        bool last = p.Step == p.TotalSteps || p.StoppingEarly;
        if (_terminal)
        {
            if (last || p.Evaluation != null || _sinceRedraw.ElapsedMilliseconds >= 100)
            {
                Console.Write("\r" + Bar(p));
                _barShown = true;
                _sinceRedraw.Restart();
            }
        }
        else if (last || p.Step % logEvery == 0)
            Console.WriteLine(Line(p));
        if (p.Evaluation is { } e)
            Event(string.Create(CultureInfo.InvariantCulture,
                $"eval at step {e.Step} (epoch {e.Epoch:F2}): {e.Scores}, loss {e.Scores.Loss:F4}{(p.IsBest ? " (best so far)" : "")}"));
        if (p.StoppingEarly) Event($"early stopping at step {p.Step}: no better dev score for the last evaluations");
    }

    /// <summary>Ends the bar's line so that later output starts on a fresh one.</summary>
    public void Finish()
    {
        if (_barShown) Console.WriteLine();
        _barShown = false;
    }

    private void Event(string text)
    {
        Finish();
        Console.WriteLine(text);
    }

    private static string Bar(FineTuningProgress p)
    {
        int filled = (int)((long)BarWidth * p.Step / p.TotalSteps);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {p.Step}/{p.TotalSteps} epoch {p.Epoch:F2} loss {p.Loss:F4} " +
            $"{p.ExamplesPerSecond:F0} ex/s ETA {Time(p.Eta)}  ");
    }

    private static string Line(FineTuningProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch:F2} loss {p.Loss:F4} lr {p.LearningRate:E3} grad_norm {p.GradNorm:F3} " +
        $"examples/s {p.ExamplesPerSecond:F0} elapsed {Time(p.Elapsed)} eta {Time(p.Eta)}");

    private static string Time(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}";
}
