using System.Globalization;

namespace BertCore.Training.FineTuning;

/// <summary>Settings of a <see cref="FineTuner"/> run; the defaults are Hugging Face Trainer's where it has one.</summary>
public sealed record FineTunerOptions
{
    /// <summary>Folder for checkpoints, metrics.csv, the curve PNGs, results.json and, at the end, the best model. The
    /// run manages every <c>checkpoint-N</c> folder in it (older ones are deleted): give each run a folder of its own.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>When positive, the run takes exactly this many optimizer steps (epochs continue as needed) and
    /// <see cref="Epochs"/> is ignored, as Hugging Face's <c>max_steps</c>.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Features (texts, sentences, QA windows) per micro-batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Micro-batches per optimizer step; each micro-batch's loss is scaled by 1/k before its backward
    /// (the last step of an epoch may gather fewer, scaled by 1/their count).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Peak learning rate.</summary>
    public float LearningRate { get; init; } = 5e-5f;

    /// <summary>Fraction of the steps (rounded up) of linear warmup from 0; then linear decay to 0 at the last step.</summary>
    public float WarmupRatio { get; init; } = 0.1f;

    /// <summary>Decoupled weight decay on matrices and embeddings; biases and LayerNorm weights get none.</summary>
    public float WeightDecay { get; init; } = 0.01f;

    public float Beta1 { get; init; } = 0.9f;
    public float Beta2 { get; init; } = 0.999f;

    /// <summary>Adam epsilon, added after the square root (torch's and Hugging Face's default 1e-8).</summary>
    public float Eps { get; init; } = 1e-8f;

    /// <summary>Gradients are scaled so that their global L2 norm is at most this (0 turns clipping off).</summary>
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Evaluate on the dev data every N steps (0: after each epoch); always after the last step.</summary>
    public int EvalEvery { get; init; }

    /// <summary>Features per forward pass when evaluating.</summary>
    public int EvalBatchSize { get; init; } = 64;

    /// <summary>Stop after this many evaluations in a row without a better primary metric (0: never stop early).</summary>
    public int Patience { get; init; }

    /// <summary>Also write a checkpoint every N steps besides those of the evaluations (0: only at evaluations).
    /// Every checkpoint holds the trainer state, so <see cref="FineTuner.Resume"/> can continue from it exactly.</summary>
    public int SaveEvery { get; init; }

    /// <summary>Checkpoints kept besides the best one (the newest ones); 0 keeps only the best and the newest (the
    /// one a resume continues from).</summary>
    public int KeepCheckpoints { get; init; } = 1;

    /// <summary>Seeds the order of the batches and dropout (and, where the caller does, the new head's initialization).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Learning-rate schedule: linear (warmup then linear decay, the default), constant (after warmup),
    /// cosine (warmup then half a cosine) or stlr (slanted triangular, Howard &amp; Ruder; ignores WarmupRatio).</summary>
    public string Schedule { get; init; } = "linear";

    /// <summary>stlr: fraction of the steps of the rising part (ULMFiT's cut_frac, default 0.1).</summary>
    public float StlrCutFraction { get; init; } = 0.1f;

    /// <summary>stlr: how much smaller the lowest learning rate is than the peak (ULMFiT's ratio, default 32).</summary>
    public float StlrRatio { get; init; } = 32f;

    /// <summary>Layer-wise learning-rate decay F (1: off): head and pooler at the peak rate, encoder layer i
    /// (1..L) at rate·F^(L−i), embeddings at rate·F^L (see <see cref="Techniques.LayerwiseLrDecay"/>).</summary>
    public float LayerDecay { get; init; } = 1f;

    /// <summary>Gradual unfreezing every N steps (0: off): first only the head and pooler train, then every N
    /// steps the next encoder layer from the top, the embeddings last (see <see cref="Techniques.GradualUnfreezing"/>).</summary>
    public int UnfreezeEvery { get; init; }

    /// <summary>Weight W of an auxiliary masked-LM loss on the batch's own text (0: off), decaying linearly from W
    /// at the first step to 0 at the end (see <see cref="Techniques.AuxiliaryMlm"/>).</summary>
    public float AuxMlmWeight { get; init; }

    /// <summary>Steps of task-adaptive MLM pretraining on the training text before fine-tuning (0: none; see
    /// <see cref="Techniques.TaskAdaptivePretraining"/>).</summary>
    public int TaptSteps { get; init; }

    /// <summary>Peak learning rate of the task-adaptive pretraining (linear decay, 6% warmup).</summary>
    public float TaptLearningRate { get; init; } = 1e-4f;

    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate()
    {
        Require(!string.IsNullOrWhiteSpace(OutputDirectory), "OutputDirectory is required");
        Require(Epochs >= 1 || MaxSteps >= 1, "Epochs or MaxSteps must be at least 1");
        Require(MaxSteps >= 0, "MaxSteps must not be negative");
        Require(BatchSize >= 1 && EvalBatchSize >= 1, "batch sizes must be at least 1");
        Require(GradientAccumulationSteps >= 1, "GradientAccumulationSteps must be at least 1");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), "LearningRate must be positive");
        Require(WarmupRatio is >= 0 and <= 1, "WarmupRatio must be in [0, 1]");
        Require(WeightDecay >= 0, "WeightDecay must not be negative");
        Require(Beta1 is >= 0 and < 1 && Beta2 is >= 0 and < 1, "betas must be in [0, 1)");
        Require(Eps > 0, "Eps must be positive");
        Require(MaxGradNorm >= 0, "MaxGradNorm must not be negative");
        Require(Schedule is "linear" or "constant" or "cosine" or "stlr", $"unknown schedule '{Schedule}' (linear, constant, cosine, stlr)");
        Require(StlrCutFraction is > 0 and < 1 && StlrRatio >= 1, "StlrCutFraction must be in (0, 1) and StlrRatio at least 1");
        Require(LayerDecay is > 0 and <= 1, "LayerDecay must be in (0, 1]");
        Require(UnfreezeEvery >= 0 && TaptSteps >= 0, "UnfreezeEvery and TaptSteps must not be negative");
        Require(AuxMlmWeight >= 0 && float.IsFinite(AuxMlmWeight), "AuxMlmWeight must not be negative");
        Require(TaptLearningRate > 0 && float.IsFinite(TaptLearningRate), "TaptLearningRate must be positive");
        Require(EvalEvery >= 0 && Patience >= 0 && KeepCheckpoints >= 0 && SaveEvery >= 0,
            "EvalEvery, Patience, KeepCheckpoints and SaveEvery must not be negative");
    }

    /// <summary>Settings a resumed run may change: where it writes and how many checkpoints it keeps.</summary>
    private static readonly string[] FreeOnResume = [nameof(OutputDirectory), nameof(SaveEvery), nameof(KeepCheckpoints)];

    /// <summary>
    /// The settings that differ from <paramref name="saved"/>'s and decide the trajectory or the model selection (all
    /// but the output folder, SaveEvery and KeepCheckpoints), as "name: checkpoint value → this run's value" lines;
    /// empty when an exact resume may go on.
    /// </summary>
    public IReadOnlyList<string> ResumeConflicts(FineTunerOptions saved) =>
        typeof(FineTunerOptions).GetProperties()
            .Where(p => !FreeOnResume.Contains(p.Name) && !Equals(p.GetValue(saved), p.GetValue(this)))
            .Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Name}: {p.GetValue(saved)} → {p.GetValue(this)}"))
            .ToList();

    private static void Require(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
