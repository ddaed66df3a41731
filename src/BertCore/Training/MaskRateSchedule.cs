using System.Globalization;

namespace BertCore.Training;

/// <summary>
/// A masking rate that goes linearly from <paramref name="Start"/> to <paramref name="End"/> over the run: a step at
/// progress p (the fraction of the run done before it) masks Start + (End − Start) · p of the candidate tokens.
/// A high rate early and the usual 15% late follows Wettig et al. 2023 ("Should you mask 15%?": 40% trains
/// faster) and Yang et al. 2023 (a decreasing masking ratio). In a step-driven run the rate is a function of the
/// step, so a resumed run masks as the uninterrupted one.
/// </summary>
public sealed record MaskRateSchedule(double Start, double End)
{
    /// <summary>The rate at <paramref name="progress"/> (clamped to [0, 1]).</summary>
    public double At(double progress) => Start + (End - Start) * Math.Clamp(progress, 0, 1);

    /// <exception cref="ArgumentException">A rate outside (0, 1].</exception>
    public void Validate()
    {
        if (Start is not (> 0 and <= 1) || End is not (> 0 and <= 1))
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"MaskRate: the rates {Start} and {End} must be in (0, 1]"));
    }
}
