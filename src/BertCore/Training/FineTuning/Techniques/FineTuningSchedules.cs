using BertCore.Optim;

namespace BertCore.Training.FineTuning.Techniques;

/// <summary>The learning-rate schedule a <see cref="FineTuner"/> uses, from <see cref="FineTunerOptions.Schedule"/>.</summary>
public static class FineTuningSchedules
{
    /// <summary>
    /// linear: warmup over <paramref name="warmupSteps"/>, then linear decay to 0 at <paramref name="totalSteps"/>;
    /// constant: warmup then 1; cosine: warmup then half a cosine to 0; stlr: slanted triangular learning rates
    /// over <paramref name="totalSteps"/> with the options' cut fraction and ratio (its rise replaces the warmup).
    /// </summary>
    /// <exception cref="ArgumentException">An unknown schedule name.</exception>
    public static LrSchedule Create(FineTunerOptions options, int warmupSteps, int totalSteps) => options.Schedule switch
    {
        "stlr" => LrSchedule.SlantedTriangular(totalSteps, options.StlrCutFraction, options.StlrRatio),
        var name => LrSchedule.Parse(name, warmupSteps, totalSteps),
    };
}
