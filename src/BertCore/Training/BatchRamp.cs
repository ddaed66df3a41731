using System.Globalization;

namespace BertCore.Training;

/// <summary>
/// A batch-size ramp made of micro-batches: a step of a run at progress p (the fraction of the run done before it,
/// by steps or by time budget) accumulates
/// <code>
/// k(p) = min(full, StartMicroBatches + ⌊(full − StartMicroBatches + 1) · p / Fraction⌋)
/// </code>
/// micro-batches, so each count from StartMicroBatches to full gets an equal share of the first Fraction of the run
/// and full the rest. Small batches early and large ones later is the batch-size warmup of GPT-3 (Brown et al. 2020).
/// The count is a function of the step
/// in a step-driven run, so a resumed run draws the same batches.
/// </summary>
/// <param name="StartMicroBatches">Micro-batches of the first step (at least 1).</param>
/// <param name="Fraction">The part of the run over which the count rises, in (0, 1].</param>
public sealed record BatchRamp(int StartMicroBatches, double Fraction)
{
    /// <summary>Micro-batches of a step at <paramref name="progress"/> in [0, 1] of a run whose full count is <paramref name="full"/>.</summary>
    public int MicroBatches(int full, double progress)
    {
        double rise = (full - StartMicroBatches + 1) * Math.Clamp(progress, 0, 1) / Fraction;
        return (int)Math.Min(full, StartMicroBatches + Math.Floor(rise));
    }

    /// <exception cref="ArgumentException">A start outside [1, <paramref name="full"/>] or a fraction outside (0, 1].</exception>
    public void Validate(int full)
    {
        if (StartMicroBatches < 1 || StartMicroBatches > full || Fraction is not (> 0 and <= 1))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"BatchRamp: the start ({StartMicroBatches} micro-batches) must be in [1, {full}] and the fraction ({Fraction}) in (0, 1]"));
    }
}
