namespace BertCore.Cli;

/// <summary>
/// Console output of a training loop, shared by the pretraining and fine-tuning printers: inside a live
/// <see cref="TrainingDisplay"/> a progress bar whose description is the step's status; otherwise a plain log line
/// every <c>logEvery</c> steps and after the last. Events (evaluations, checkpoints) always get a line of their own.
/// </summary>
internal sealed class StepConsole(int logEvery, TrainingDisplay display)
{
    private Spectre.Console.ProgressTask? _task;

    /// <summary>Shows step <paramref name="step"/> of <paramref name="total"/>: <paramref name="status"/> text on the live
    /// display, <paramref name="line"/> text in a log.</summary>
    /// <param name="last">The run's last step: always logged.</param>
    public void Step(int step, int total, bool last, Func<string> status, Func<string> line)
    {
        if (display.Live is { } live)
        {
            var description = Spectre.Console.Markup.Escape(status());
            _task ??= live.AddTask(description, maxValue: total);
            _task.MaxValue = total;
            _task.Value = step;
            _task.Description = description;
        }
        else if (last || step % logEvery == 0)
            Console.WriteLine(line());
    }

    /// <summary>A line of its own, above the live display.</summary>
    public void Event(string text) => display.WriteLine(text);

    /// <summary>Ends this run's bar on the live display (a later run gets a new one).</summary>
    public void Finish()
    {
        _task?.StopTask();
        _task = null;
    }

    /// <summary>h:mm:ss.</summary>
    public static string Time(TimeSpan t) => $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}";
}
