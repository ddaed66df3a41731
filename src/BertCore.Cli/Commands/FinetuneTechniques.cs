using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary>The fine-tuning technique options of <c>bertcore finetune</c> (schedule, layer-wise decay, gradual
/// unfreezing, auxiliary MLM, task-adaptive pretraining, augmentation), parsed apart from the basic ones.</summary>
internal sealed record FinetuneTechniques(
    string Schedule, float StlrCut, float StlrRatio, float LayerDecay, int UnfreezeEvery, float AuxMlm, int TaptSteps, float TaptLr, int Augment)
{
    public const string Help = """
        Techniques (all off by default):
          --schedule NAME         linear (default: warmup then linear decay), constant, cosine, or stlr (slanted triangular,
                                  Howard & Ruder; its own short rise replaces --warmup-ratio)
          --stlr-cut F            stlr: fraction of the steps spent rising (default 0.1)
          --stlr-ratio R          stlr: peak / lowest learning rate (default 32)
          --layer-decay F         layer-wise learning rates: head and pooler at --lr, layer i of L at lr·F^(L−i),
                                  embeddings at lr·F^L (default 1: off)
          --unfreeze-every N      gradual unfreezing: only the head (and pooler) train at first, then every N steps one
                                  more encoder layer from the top, the embeddings last (default 0: off)
          --aux-mlm W             add an MLM loss on the batch's own text (15% masked, 80/10/10), weight W at the first
                                  step decaying linearly to 0; the MLM head comes from --model when it has one and is
                                  not saved (default 0: off)
          --tapt-steps N          task-adaptive pretraining: N MLM steps on the training text before fine-tuning
                                  (batch --batch, lr --tapt-lr with linear decay; default 0: none)
          --tapt-lr LR            peak learning rate of those steps (default 1e-4)
          --augment N             classify/pair/regress: add N copies of every training text edited by random word
                                  swaps, deletions and insertions (EDA without synonyms; default 0)
        """;

    public static FinetuneTechniques Parse(Arguments args)
    {
        var t = new FinetuneTechniques(args.Optional("schedule") ?? "linear", args.Float("stlr-cut", 0.1f), args.Float("stlr-ratio", 32f),
            args.Float("layer-decay", 1f), args.Int("unfreeze-every", 0), args.Float("aux-mlm", 0f), args.Int("tapt-steps", 0),
            args.Float("tapt-lr", 1e-4f), args.Int("augment", 0));
        if (t.Schedule is not ("linear" or "constant" or "cosine" or "stlr"))
            throw new UsageException($"--schedule must be linear, constant, cosine or stlr, not '{t.Schedule}'");
        if (t.StlrCut is <= 0 or >= 1 || t.StlrRatio < 1) throw new UsageException("--stlr-cut must be in (0, 1) and --stlr-ratio at least 1");
        if (t.LayerDecay is <= 0 or > 1) throw new UsageException("--layer-decay must be in (0, 1]");
        if (t.UnfreezeEvery < 0 || t.TaptSteps < 0 || t.Augment < 0 || t.AuxMlm < 0)
            throw new UsageException("--unfreeze-every, --tapt-steps, --augment and --aux-mlm must not be negative");
        if (t.TaptLr <= 0) throw new UsageException("--tapt-lr must be positive");
        return t;
    }

    public FineTunerOptions Apply(FineTunerOptions options) => options with
    {
        Schedule = Schedule, StlrCutFraction = StlrCut, StlrRatio = StlrRatio, LayerDecay = LayerDecay, UnfreezeEvery = UnfreezeEvery,
        AuxMlmWeight = AuxMlm, TaptSteps = TaptSteps, TaptLearningRate = TaptLr,
    };

    public FineTuningSetup Apply(FineTuningSetup setup) => setup with { Augment = Augment };
}
