using System.Diagnostics;
using System.Globalization;

namespace BertCore.Cli;

/// <summary>"done/total units, rate units/s": redrawn in place on a console; into a redirected output, one line at
/// most every 10 seconds and the last one (logs of long runs).</summary>
/// <param name="unit">What is counted ("sentences").</param>
public sealed class RateProgress(string unit) : IProgress<(int Done, int Total)>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _terminal = TrainingDisplay.LiveTerminal;
    private TimeSpan? _printed;

    public void Report((int Done, int Total) value)
    {
        var now = _clock.Elapsed;
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{value.Done}/{value.Total} {unit}, {value.Done / Math.Max(now.TotalSeconds, 1e-9):F1} {unit}/s");
        if (_terminal)
            Console.Write("\r" + line);
        else if (_printed is not { } last || now - last >= TimeSpan.FromSeconds(10) || value.Done == value.Total)
        {
            Console.WriteLine(line);
            _printed = now;
        }
    }

    /// <summary>Ends the redrawn line on a console.</summary>
    public void End()
    {
        if (_terminal) Console.WriteLine();
    }
}
