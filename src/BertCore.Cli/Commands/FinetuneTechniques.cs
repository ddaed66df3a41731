using System.CommandLine;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary>The fine-tuning technique options of <c>bertcore finetune</c> (schedule, layer-wise decay, gradual
/// unfreezing, auxiliary MLM, task-adaptive pretraining, augmentation), all off by default, declared apart from the
/// basic ones.</summary>
internal sealed class FinetuneTechniques
{
    public readonly Option<string> Schedule = CliOption.Text("--schedule",
        "linear (warmup then linear decay), constant, cosine, or stlr (slanted triangular, Howard & Ruder; its own short rise " +
        "replaces --warmup-ratio)", fallback: "linear", valueName: "NAME", among: ["linear", "constant", "cosine", "stlr"]);
    public readonly Option<float> StlrCut = CliOption.Float("--stlr-cut", 0.1f, "stlr: fraction of the steps spent rising", "F");
    public readonly Option<float> StlrRatio = CliOption.Float("--stlr-ratio", 32f, "stlr: peak / lowest learning rate", "R");
    public readonly Option<float> LayerDecay = CliOption.Float("--layer-decay", 1f,
        "layer-wise learning rates: head and pooler at --lr, layer i of L at lr·F^(L−i), embeddings at lr·F^L (1: off)", "F");
    public readonly Option<int> UnfreezeEvery = CliOption.Int("--unfreeze-every", 0,
        "gradual unfreezing: only the head (and pooler) train at first, then every N steps one more encoder layer from the top, " +
        "the embeddings last (0: off)");
    public readonly Option<float> AuxMlm = CliOption.Float("--aux-mlm", 0f,
        "add an MLM loss on the batch's own text (15% masked, 80/10/10), weight W at the first step decaying linearly to 0; the " +
        "MLM head comes from --model when it has one and is not saved (0: off)", "W");
    public readonly Option<int> TaptSteps = CliOption.Int("--tapt-steps", 0,
        "task-adaptive pretraining: N MLM steps on the training text before fine-tuning (batch --batch, lr --tapt-lr with linear decay)");
    public readonly Option<float> TaptLr = CliOption.Float("--tapt-lr", 1e-4f, "peak learning rate of those steps", "LR");
    public readonly Option<int> Augment = CliOption.Int("--augment", 0,
        "classify/pair/regress: add N copies of every training text edited by random word swaps, deletions and insertions " +
        "(EDA without synonyms)");

    /// <summary>Every technique option, to add to the command.</summary>
    public IEnumerable<Option> All => [Schedule, StlrCut, StlrRatio, LayerDecay, UnfreezeEvery, AuxMlm, TaptSteps, TaptLr, Augment];

    /// <summary>Checks the values.</summary>
    /// <exception cref="UsageException">A value out of its range, naming the option.</exception>
    public void Validate(ParseResult parse)
    {
        if (parse.GetValue(StlrCut) is <= 0 or >= 1 || parse.GetValue(StlrRatio) < 1)
            throw new UsageException("--stlr-cut must be in (0, 1) and --stlr-ratio at least 1");
        if (parse.GetValue(LayerDecay) is <= 0 or > 1) throw new UsageException("--layer-decay must be in (0, 1]");
        if (parse.GetValue(UnfreezeEvery) < 0 || parse.GetValue(TaptSteps) < 0 || parse.GetValue(Augment) < 0 || parse.GetValue(AuxMlm) < 0)
            throw new UsageException("--unfreeze-every, --tapt-steps, --augment and --aux-mlm must not be negative");
        if (parse.GetValue(TaptLr) <= 0) throw new UsageException("--tapt-lr must be positive");
    }

    /// <summary>The trainer's options with the techniques set.</summary>
    public FineTunerOptions Apply(ParseResult parse, FineTunerOptions options) => options with
    {
        Schedule = parse.GetValue(Schedule)!, StlrCutFraction = parse.GetValue(StlrCut), StlrRatio = parse.GetValue(StlrRatio),
        LayerDecay = parse.GetValue(LayerDecay), UnfreezeEvery = parse.GetValue(UnfreezeEvery), AuxMlmWeight = parse.GetValue(AuxMlm),
        TaptSteps = parse.GetValue(TaptSteps), TaptLearningRate = parse.GetValue(TaptLr),
    };

    /// <summary>The job's setup with the augmentation set.</summary>
    public FineTuningSetup Apply(ParseResult parse, FineTuningSetup setup) => setup with { Augment = parse.GetValue(Augment) };
}
