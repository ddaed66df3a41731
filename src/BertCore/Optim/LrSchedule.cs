namespace BertCore.Optim;

/// <summary>
/// A learning-rate multiplier as a function of the number of optimizer steps already taken (torch LambdaLR
/// semantics: the first step uses Factor(0)). Group learning rates are base rate × factor.
/// </summary>
public abstract class LrSchedule
{
    public abstract float Factor(int step);

    /// <summary>Constant 1, after an optional linear warmup.</summary>
    public static LrSchedule Constant(int warmupSteps = 0) => new ConstantSchedule(warmupSteps);

    /// <summary>Linear warmup from 0 to 1 over warmupSteps, then linear decay to 0 at totalSteps
    /// (Hugging Face get_linear_schedule_with_warmup).</summary>
    public static LrSchedule Linear(int warmupSteps, int totalSteps) => new LinearSchedule(warmupSteps, totalSteps);

    /// <summary>Linear warmup, then half a cosine wave from 1 to 0 at totalSteps
    /// (Hugging Face get_cosine_schedule_with_warmup with 0.5 cycles).</summary>
    public static LrSchedule Cosine(int warmupSteps, int totalSteps) => new CosineSchedule(warmupSteps, totalSteps);

    /// <summary>Slanted triangular learning rates (Howard &amp; Ruder 2018, ULMFiT): a short linear rise over
    /// cutFraction of the steps, a long linear fall; the factor goes from 1/ratio to 1 and back to 1/ratio.</summary>
    public static LrSchedule SlantedTriangular(int totalSteps, float cutFraction = 0.1f, float ratio = 32f) =>
        new SlantedTriangularSchedule(totalSteps, cutFraction, ratio);

    public static LrSchedule Parse(string name, int warmupSteps, int totalSteps) => name switch
    {
        "constant" => Constant(warmupSteps),
        "linear" => Linear(warmupSteps, totalSteps),
        "cosine" => Cosine(warmupSteps, totalSteps),
        "stlr" => SlantedTriangular(totalSteps),
        _ => throw new ArgumentException($"unknown schedule '{name}' (constant, linear, cosine, stlr)"),
    };

    /// <summary>
    /// A schedule driven by the fraction of the run done instead of the step count (a wall-clock budget: progress =
    /// elapsed / budget): linear warmup from 0 to 1 over the first <paramref name="warmupFraction"/> of the run, then
    /// <paramref name="name"/> — "linear" or "cosine" decay to exactly 0 at progress 1, or "constant" 1. Each
    /// <see cref="Factor"/> call reads <paramref name="progress"/> (clamped to [0, 1]); the step count is ignored.
    /// Linear with warmupFraction 0.5 is the symmetric triangle of a one-cycle schedule (Smith &amp; Topin 2018).
    /// </summary>
    /// <exception cref="ArgumentException">Another name, or a warmup fraction outside [0, 1).</exception>
    public static LrSchedule OverProgress(string name, double warmupFraction, Func<double> progress)
    {
        if (name is not ("linear" or "cosine" or "constant"))
            throw new ArgumentException($"schedule '{name}' cannot follow a time budget (linear, cosine or constant)");
        if (warmupFraction is not (>= 0 and < 1))
            throw new ArgumentException($"warmup fraction {warmupFraction} must be in [0, 1)");
        return new ProgressSchedule(name, warmupFraction, progress);
    }

    private static float Warmup(int step, int warmup) => (float)step / Math.Max(1, warmup);

    private sealed class ProgressSchedule(string name, double warmup, Func<double> progress) : LrSchedule
    {
        public override float Factor(int step)
        {
            double p = Math.Clamp(progress(), 0, 1);
            if (p < warmup) return (float)(p / warmup);
            double decay = (p - warmup) / (1 - warmup);
            return name switch
            {
                "linear" => (float)(1 - decay),
                "cosine" => (float)(0.5 * (1 + Math.Cos(Math.PI * decay))),
                _ => 1f,
            };
        }
    }

    private sealed class ConstantSchedule(int warmup) : LrSchedule
    {
        public override float Factor(int step) => step < warmup ? Warmup(step, warmup) : 1f;
    }

    private sealed class LinearSchedule(int warmup, int total) : LrSchedule
    {
        public override float Factor(int step) => step < warmup
            ? Warmup(step, warmup)
            : Math.Max(0f, (float)(total - step) / Math.Max(1, total - warmup));
    }

    private sealed class CosineSchedule(int warmup, int total) : LrSchedule
    {
        public override float Factor(int step)
        {
            if (step < warmup) return Warmup(step, warmup);
            double progress = (double)(step - warmup) / Math.Max(1, total - warmup);
            return (float)Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress)));
        }
    }

    private sealed class SlantedTriangularSchedule(int total, float cutFraction, float ratio) : LrSchedule
    {
        public override float Factor(int step)
        {
            int cut = Math.Max(1, (int)Math.Floor(total * cutFraction));
            double p = step < cut ? (double)step / cut : 1.0 - (double)(step - cut) / (cut * (1.0 / cutFraction - 1.0));
            return (float)((1 + Math.Max(0.0, p) * (ratio - 1)) / ratio);
        }
    }
}
