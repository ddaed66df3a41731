using System.Globalization;

namespace BertCore.Training;

/// <summary>
/// Settings of a <see cref="Pretrainer"/> run. The batch size, sequence length and masking belong to the batch
/// source; these are the optimizer, schedule, evaluation and checkpoint settings. Defaults follow BERT
/// (Devlin et al. 2019): AdamW with β = (0.9, 0.999), eps 1e-6 (BERT's Adam epsilon, larger than torch's 1e-8:
/// it keeps Adam from amplifying gradients that are pure round-off into full-size updates), weight decay 0.01
/// except on biases and LayerNorm weights, global-norm clipping at 1.0, linear warmup then linear decay to 0.
/// </summary>
public sealed record PretrainerOptions
{
    /// <summary>Optimizer steps of the whole run; without a <see cref="TimeBudget"/> the schedule decays to 0 here.
    /// 0 with a TimeBudget: no step limit.</summary>
    public required int MaxSteps { get; init; }

    /// <summary>Wall-clock budget of the whole run (time before a resume included), null for none. It drives the
    /// schedule: progress is training time / budget, so the learning rate warms up over the first
    /// <see cref="WarmupFraction"/> of the budget and decays to 0 at the budget (Izsak et al. 2021; Cramming), and the
    /// step that ends past it is the last (evaluated, saved, the final model written). <see cref="MaxSteps"/>, when
    /// not 0, stops the run earlier. A time-driven run is not repeatable step for step: how many steps fit, and the
    /// rate each one gets, depend on the machine's speed.</summary>
    public TimeSpan? TimeBudget { get; init; }

    /// <summary>With a <see cref="TimeBudget"/>: the fraction of it spent warming up (Izsak et al. 2021: 0.06).
    /// Step-driven runs use <see cref="WarmupSteps"/>.</summary>
    public double WarmupFraction { get; init; } = 0.06;

    /// <summary>Start with fewer micro-batches per step and reach <see cref="GradientAccumulationSteps"/> over a
    /// fraction of the run (null: always GradientAccumulationSteps).</summary>
    public BatchRamp? BatchRamp { get; init; }

    /// <summary>A masking rate that changes over the run (null: the batch source's fixed rate); needs a
    /// <see cref="Data.PretrainingBatchSource"/>.</summary>
    public MaskRateSchedule? MaskRate { get; init; }

    /// <summary>Folder for checkpoints, metrics.csv and the final model.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Peak learning rate (BERT: 1e-4; see <see cref="DefaultLearningRate"/>).</summary>
    public float LearningRate { get; init; } = BaseLearningRate;

    /// <summary>BERT's peak learning rate, for models wider than <see cref="SmallModelHiddenSize"/>.</summary>
    public const float BaseLearningRate = 1e-4f;

    /// <summary>The peak learning rate of small models (Izsak et al. 2021 and Cramming train at 1e-3).</summary>
    public const float SmallModelLearningRate = 1e-3f;

    /// <summary>The widest hidden size that gets <see cref="SmallModelLearningRate"/> by default.</summary>
    public const int SmallModelHiddenSize = 256;

    /// <summary>The default peak learning rate for <paramref name="config"/>: <see cref="SmallModelLearningRate"/> up
    /// to hidden size <see cref="SmallModelHiddenSize"/> (tiny and mini: at BERT's 1e-4 their loss barely moves in the
    /// first hundreds of steps), <see cref="BaseLearningRate"/> above.</summary>
    public static float DefaultLearningRate(IO.BertConfig config) =>
        config.HiddenSize <= SmallModelHiddenSize ? SmallModelLearningRate : BaseLearningRate;

    /// <summary>Linear warmup steps from 0 to <see cref="LearningRate"/>.</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Schedule after warmup: "linear" (default), "cosine", "constant" or "stlr" (see <see cref="Optim.LrSchedule.Parse"/>).</summary>
    public string Schedule { get; init; } = "linear";

    /// <summary>Decoupled weight decay on matrices and embeddings; biases and LayerNorm weights get none.</summary>
    public float WeightDecay { get; init; } = 0.01f;

    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam epsilon, added after the square root. 1e-6 as in BERT (torch's default is 1e-8).</summary>
    public float Eps { get; init; } = 1e-6f;

    /// <summary>Gradients are scaled so that their global L2 norm is at most this (0 turns clipping off).</summary>
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Micro-batches per optimizer step; each micro-batch's loss is scaled by 1/k before its backward.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Train the sentence-relation head (NSP or SOP) too: the loss is MLM + relation, and batches must
    /// carry relation labels. Without it the pooler and NSP head, when the model has them, are frozen.</summary>
    public bool RelationHead { get; init; }

    /// <summary>Evaluate on the held-out source every N steps (0: only after the last step).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Held-out batches per evaluation; the same batches every time.</summary>
    public int EvalBatches { get; init; } = 20;

    /// <summary>Write a checkpoint every N steps (0: only after the last step).</summary>
    public int SaveEvery { get; init; }

    /// <summary>Checkpoints kept in the output folder; older ones are deleted after a new one is complete.</summary>
    public int KeepCheckpoints { get; init; } = 2;

    /// <summary>Seed of the dropout RNG (the model's initialization is seeded by whoever builds it).</summary>
    public int Seed { get; init; } = 1;

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        Require(MaxSteps >= 1 || (MaxSteps == 0 && TimeBudget != null), "MaxSteps must be at least 1 (or 0 with a TimeBudget)");
        Require(TimeBudget is null || TimeBudget > TimeSpan.Zero, "TimeBudget must be positive");
        BatchRamp?.Validate(GradientAccumulationSteps);
        MaskRate?.Validate();
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "OutputDirectory is required");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), "LearningRate must be positive");
        Require(WarmupSteps >= 0, "WarmupSteps must not be negative");
        Require(WeightDecay >= 0, "WeightDecay must not be negative");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "betas must be in [0, 1)");
        Require(Eps > 0, "Eps must be positive");
        Require(MaxGradNorm >= 0, "MaxGradNorm must not be negative");
        Require(GradientAccumulationSteps >= 1, "GradientAccumulationSteps must be at least 1");
        Require(EvalEvery >= 0 && SaveEvery >= 0, "EvalEvery and SaveEvery must not be negative");
        Require(EvalBatches >= 1, "EvalBatches must be at least 1");
        Require(KeepCheckpoints >= 1, "KeepCheckpoints must be at least 1");
        if (TimeBudget != null) Optim.LrSchedule.OverProgress(Schedule, WarmupFraction, () => 0);
        else Optim.LrSchedule.Parse(Schedule, WarmupSteps, MaxSteps);
    }

    /// <summary>
    /// The settings that decide the trajectory of a run and so must be equal for an exact resume, as
    /// "name: checkpoint value → this run's value" lines (empty when a resume may go on). Evaluation, checkpoint
    /// frequency and the output folder may change between the two runs.
    /// </summary>
    public IReadOnlyList<string> ResumeConflicts(PretrainerOptions saved)
    {
        var conflicts = new List<string>();
        void Check<T>(string name, T was, T now)
        {
            if (!EqualityComparer<T>.Default.Equals(was, now))
                conflicts.Add(string.Create(CultureInfo.InvariantCulture, $"{name}: {was} → {now}"));
        }
        Check(nameof(MaxSteps), saved.MaxSteps, MaxSteps);
        Check(nameof(LearningRate), saved.LearningRate, LearningRate);
        Check(nameof(WarmupSteps), saved.WarmupSteps, WarmupSteps);
        Check(nameof(Schedule), saved.Schedule, Schedule);
        Check(nameof(WeightDecay), saved.WeightDecay, WeightDecay);
        Check(nameof(Beta1), saved.Beta1, Beta1);
        Check(nameof(Beta2), saved.Beta2, Beta2);
        Check(nameof(Eps), saved.Eps, Eps);
        Check(nameof(MaxGradNorm), saved.MaxGradNorm, MaxGradNorm);
        Check(nameof(GradientAccumulationSteps), saved.GradientAccumulationSteps, GradientAccumulationSteps);
        Check(nameof(RelationHead), saved.RelationHead, RelationHead);
        Check(nameof(Seed), saved.Seed, Seed);
        Check(nameof(TimeBudget), saved.TimeBudget, TimeBudget);
        Check(nameof(WarmupFraction), saved.WarmupFraction, WarmupFraction);
        Check(nameof(BatchRamp), saved.BatchRamp, BatchRamp);
        Check(nameof(MaskRate), saved.MaskRate, MaskRate);
        return conflicts;
    }

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
