using System.Globalization;
using BertCore.Training;

namespace BertCore.Cli.Commands;

/// <summary>
/// Prints <see cref="PretrainingProgress"/> through a <see cref="StepConsole"/>: on a live display a bar with step, loss, tokens/s and
/// ETA, a log line every <c>logEvery</c> steps and after the last otherwise. Evaluations and
/// checkpoints always get a line of their own.
/// </summary>
internal sealed class PretrainProgressPrinter(int logEvery, TrainingDisplay display)
{
    private readonly StepConsole _console = new(logEvery, display);

    public void Print(PretrainingProgress p)
    {
        bool last = p.Step == p.MaxSteps;
        _console.Step(p.Step, p.MaxSteps > 0 ? p.MaxSteps : p.Step, last, () => Status(p), () => Line(p));
        if (p.Evaluation is { } e)
            _console.Event(double.IsNaN(e.RtdAccuracy)
                ? $"eval at step {p.Step}: mlm accuracy {e.Accuracy:F4}, perplexity {e.Perplexity:F2} ({e.MaskedTokens} masked tokens)"
                : $"eval at step {p.Step}: replaced-token accuracy {e.RtdAccuracy:F4} (always \"original\": {e.RtdBaseline:F4}); generator mlm accuracy {e.Accuracy:F4}, perplexity {e.Perplexity:F2} ({e.MaskedTokens} masked tokens)");
        if (p.Checkpoint != null) _console.Event($"checkpoint {p.Checkpoint}");
    }

    /// <summary>Ends this run's bar on the live display.</summary>
    public void Finish() => _console.Finish();

    private static string Status(PretrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}{Total(p)} loss {p.Loss:F4} {p.TokensPerSecond:F0} tok/s ETA {StepConsole.Time(p.Eta)}");

    private static string Line(PretrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"step {p.Step}{Total(p)} loss {p.Loss:F4} lr {p.LearningRate:E3} grad_norm {p.GradNorm:F3} " +
        $"tokens/s {p.TokensPerSecond:F0} elapsed {StepConsole.Time(p.Elapsed)} eta {StepConsole.Time(p.Eta)}");

    /// <summary>"/N" of a run planned to N steps; nothing for one limited only by a time budget.</summary>
    private static string Total(PretrainingProgress p) => p.MaxSteps > 0 ? $"/{p.MaxSteps}" : "";
}
