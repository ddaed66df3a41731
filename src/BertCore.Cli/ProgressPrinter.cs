using BertCore.Text;
using System.Diagnostics;

namespace BertCore.Cli;

/// <summary>
/// Shows <see cref="WorkProgress"/> on standard error: a redrawn progress bar when it is a terminal, otherwise a
/// plain log line when a stage starts, at every further 10% (or every 5 seconds when the total is unknown), and
/// when it ends.
/// </summary>
public sealed class ProgressPrinter(string verb) : IProgress<WorkProgress>
{
    private const int BarWidth = 30;
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceDraw = Stopwatch.StartNew();
    private string? _stage;
    private long _lastTenth = -1;
    private bool _barOpen;

    public void Report(WorkProgress value)
    {
        bool newStage = value.Stage != _stage;
        if (newStage)
        {
            EndBar();
            _stage = value.Stage;
            _lastTenth = -1;
        }
        if (_terminal)
            DrawBar(value, force: newStage || (value.Total > 0 && value.Done >= value.Total));
        else
            LogLine(value, newStage);
    }

    /// <summary>Ends the bar's line so that later output starts on a fresh line.</summary>
    public void EndBar()
    {
        if (_barOpen)
            Console.Error.WriteLine();
        _barOpen = false;
    }

    private void DrawBar(WorkProgress value, bool force)
    {
        if (!force && _sinceDraw.ElapsedMilliseconds < 100)
            return;
        _sinceDraw.Restart();
        string counts = value.Total > 0 ? $"{value.Done}/{value.Total}" : $"{value.Done}";
        string bar = value.Total > 0
            ? "[" + new string('#', (int)(BarWidth * Math.Min(value.Done, value.Total) / value.Total)).PadRight(BarWidth) + "] "
            : "";
        Console.Error.Write($"\r{verb}: {value.Stage} {bar}{counts}   ");
        _barOpen = true;
    }

    private void LogLine(WorkProgress value, bool newStage)
    {
        bool due;
        if (value.Total > 0)
        {
            long tenth = 10 * Math.Min(value.Done, value.Total) / value.Total;
            due = tenth != _lastTenth;
            _lastTenth = tenth;
        }
        else
            due = _sinceDraw.ElapsedMilliseconds >= 5000;
        if (!newStage && !due)
            return;
        _sinceDraw.Restart();
        string counts = value.Total > 0 ? $"{value.Done}/{value.Total} ({100 * value.Done / value.Total}%)" : $"{value.Done}";
        Console.Error.WriteLine($"{verb}: {value.Stage} {counts}");
    }
}
