using System.Diagnostics;
using System.Globalization;
using BertCore.Training;

namespace BertCore.Cli.Commands;

/// <summary>
/// Prints <see cref="PretrainingProgress"/>: on a terminal a progress bar redrawn in place (at most ten times a
/// second) with step, loss, tokens/s and ETA; otherwise a plain log line every <c>logEvery</c> steps and after the
/// last. Evaluations and checkpoints always get a line of their own.
/// </summary>
internal sealed class PretrainProgressPrinter(int logEvery)
{
    private const int BarWidth = 24;
    private readonly bool _terminal = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceRedraw = Stopwatch.StartNew();
    private bool _barShown;

    public void Print(PretrainingProgress p)
    {
        bool last = p.Step == p.MaxSteps;
        if (_terminal)
        {
            if (last || p.Evaluation != null || p.Checkpoint != null || _sinceRedraw.ElapsedMilliseconds >= 100)
            {
                Console.Write("\r" + Bar(p));
                _barShown = true;
                _sinceRedraw.Restart();
            }
        }
        else if (last || p.Step % logEvery == 0)
            Console.WriteLine(Line(p));
        if (p.Evaluation is { } e)
            Event($"eval at step {p.Step}: mlm accuracy {e.Accuracy:F4}, perplexity {e.Perplexity:F2} ({e.MaskedTokens} masked tokens)");
        if (p.Checkpoint != null) Event($"checkpoint {p.Checkpoint}");
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

    private static string Bar(PretrainingProgress p)
    {
        int filled = (int)((long)BarWidth * p.Step / p.MaxSteps);
        return string.Create(CultureInfo.InvariantCulture,
            $"[{new string('#', filled)}{new string('.', BarWidth - filled)}] {p.Step}/{p.MaxSteps} loss {p.Loss:F4} " +
            $"{p.TokensPerSecond:F0} tok/s ETA {Time(p.Eta)}  ");
    }

    private static string Line(PretrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.MaxSteps} loss {p.Loss:F4} lr {p.LearningRate:E3} grad_norm {p.GradNorm:F3} " +
        $"tokens/s {p.TokensPerSecond:F0} elapsed {Time(p.Elapsed)} eta {Time(p.Eta)}");

    private static string Time(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}";
}
