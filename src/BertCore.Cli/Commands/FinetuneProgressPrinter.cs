using System.Globalization;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary>
/// Prints <see cref="FineTuningProgress"/> through a <see cref="StepConsole"/>: on a live display a bar with step, epoch, loss,
/// examples/s and ETA, a log line every <c>logEvery</c> steps and after the last otherwise.
/// Evaluations and early stopping always get a line of their own.
/// </summary>
internal sealed class FinetuneProgressPrinter(int logEvery, TrainingDisplay display)
{
    private readonly StepConsole _console = new(logEvery, display);

    public void Print(FineTuningProgress p)
    {
        bool last = p.Step == p.TotalSteps || p.StoppingEarly;
        _console.Step(p.Step, p.TotalSteps, last, () => Status(p), () => Line(p));
        if (p.Evaluation is { } e)
            _console.Event(string.Create(CultureInfo.InvariantCulture,
                $"eval at step {e.Step} (epoch {e.Epoch:F2}): {e.Scores}, loss {e.Scores.Loss:F4}{(p.IsBest ? " (best so far)" : "")}"));
        if (p.StoppingEarly) _console.Event($"early stopping at step {p.Step}: no better dev score for the last evaluations");
    }

    /// <summary>Ends this run's bar on the live display.</summary>
    public void Finish() => _console.Finish();

    private static string Status(FineTuningProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch:F2} loss {p.Loss:F4} {p.ExamplesPerSecond:F0} ex/s ETA {StepConsole.Time(p.Eta)}");

    private static string Line(FineTuningProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}/{p.TotalSteps} epoch {p.Epoch:F2} loss {p.Loss:F4} lr {p.LearningRate:E3} grad_norm {p.GradNorm:F3} " +
        $"examples/s {p.ExamplesPerSecond:F0} elapsed {StepConsole.Time(p.Elapsed)} eta {StepConsole.Time(p.Eta)}");
}
