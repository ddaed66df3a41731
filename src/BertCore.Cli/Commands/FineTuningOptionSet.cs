using System.CommandLine;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary>The options <c>finetune</c> and <c>distill</c> share: data limits, optimization, evaluation cadence, device
/// and output, with their checks and the <see cref="FineTunerOptions"/> they make.</summary>
internal sealed class FineTuningOptionSet
{
    public readonly Option<string> Output = CliOption.Text("--output",
        "the best model in Hugging Face layout (config.json with id2label, model.safetensors, vocab.txt, tokenizer_config.json, " +
        "bertcore_task.json), checkpoint-N folders, metrics.csv, loss.png, dev.png, results.json", valueName: "DIR");
    public readonly Option<int?> MaxTrain = CliOption.MaybeInt("--max-train", "train on the first N examples only (default: all)");
    public readonly Option<int?> MaxDev = CliOption.MaybeInt("--max-dev", "evaluate on the first N dev examples only (default: all)");
    public readonly Option<int> Epochs = CliOption.Int("--epochs", 3, "passes over the training data");
    public readonly Option<int> MaxSteps = CliOption.Int("--max-steps", 0, "exactly N optimizer steps instead of --epochs (0: use --epochs)");
    public readonly Option<int> Batch = CliOption.Int("--batch", 32, "examples per micro-batch; batches group examples of similar length", "B");
    public readonly Option<int> GradAccum = CliOption.Int("--grad-accum", 1, "micro-batches per optimizer step", "K");
    public readonly Option<float> Lr = CliOption.Float("--lr", 5e-5f, "peak learning rate (AdamW, beta1 0.9, --beta2, --adam-eps; no weight decay on biases and LayerNorm)", "LR");
    public readonly Option<float> WarmupRatio = CliOption.Float("--warmup-ratio", 0.1f, "fraction of the steps of linear warmup, then linear decay to 0", "F");
    public readonly Option<float> WeightDecay = CliOption.Float("--weight-decay", 0.01f, "AdamW weight decay", "W");
    public readonly Option<float> MaxGradNorm = CliOption.Float("--max-grad-norm", 1f, "global gradient-norm clip (0 turns it off)");
    public readonly Option<float> Beta2 = CliOption.Beta2(0.999f);
    public readonly Option<float> AdamEps = CliOption.AdamEps(1e-8f);
    public readonly Option<int> Seed = CliOption.Int("--seed", 42, "batch order, dropout and the new head's initialization");
    public readonly Option<string> Device = CliOption.Device();
    public readonly Option<int> Threads = CliOption.Threads();
    public readonly Option<int> EvalEvery = CliOption.Int("--eval-every", 0, "evaluate every N steps (0: after each epoch) and after the last");
    public readonly Option<int> EvalBatch = CliOption.Int("--eval-batch", 64, "examples per forward pass when evaluating", "B");
    public readonly Option<int> Patience = CliOption.Int("--patience", 0, "stop after N evaluations without a better dev score (0: never)");
    public readonly Option<int> Keep = CliOption.Int("--keep", 1, "checkpoints kept besides the best one; the newest always stays", "K");
    public readonly Option<int> LogEvery = CliOption.Int("--log-every", 10, "a log line every N steps when the output is not a terminal");

    /// <summary>Every option of the set, to add to a command.</summary>
    public IEnumerable<Option> All =>
        [Output, MaxTrain, MaxDev, Epochs, MaxSteps, Batch, GradAccum, Lr, WarmupRatio, WeightDecay, MaxGradNorm, Beta2, AdamEps, Seed, Device, Threads, EvalEvery, EvalBatch, Patience, Keep, LogEvery];

    /// <summary>The range checks of the shared options.</summary>
    /// <exception cref="UsageException">A value out of its range, naming the option.</exception>
    public void Validate(ParseResult parse)
    {
        if (parse.GetValue(Epochs) < 1 || parse.GetValue(MaxSteps) < 0 || parse.GetValue(Batch) < 1 || parse.GetValue(GradAccum) < 1 ||
            parse.GetValue(EvalBatch) < 1 || parse.GetValue(LogEvery) < 1)
            throw new UsageException("--epochs, --batch, --grad-accum, --eval-batch and --log-every must be at least 1; --max-steps not negative");
        if (parse.GetValue(Lr) <= 0 || parse.GetValue(WarmupRatio) is < 0 or > 1 || parse.GetValue(WeightDecay) < 0 || parse.GetValue(MaxGradNorm) < 0)
            throw new UsageException("--lr must be positive, --warmup-ratio in [0, 1], --weight-decay and --max-grad-norm not negative");
        CliOption.ValidateAdam(parse, Beta2, AdamEps);
        if (parse.GetValue(EvalEvery) < 0 || parse.GetValue(Patience) < 0 || parse.GetValue(Keep) < 0)
            throw new UsageException("--eval-every, --patience and --keep must not be negative");
        if (parse.GetValue(MaxTrain) is < 1 || parse.GetValue(MaxDev) is < 1) throw new UsageException("--max-train and --max-dev must be at least 1");
    }

    /// <summary>The trainer's options from the shared ones (output folder, steps, optimization, evaluation, checkpoints).</summary>
    public FineTunerOptions Read(ParseResult parse) => new()
    {
        OutputDirectory = CliOption.Require(parse, Output), Epochs = parse.GetValue(Epochs), MaxSteps = parse.GetValue(MaxSteps),
        BatchSize = parse.GetValue(Batch), GradientAccumulationSteps = parse.GetValue(GradAccum), LearningRate = parse.GetValue(Lr),
        WarmupRatio = parse.GetValue(WarmupRatio), WeightDecay = parse.GetValue(WeightDecay), MaxGradNorm = parse.GetValue(MaxGradNorm),
        EvalEvery = parse.GetValue(EvalEvery), EvalBatchSize = parse.GetValue(EvalBatch), Patience = parse.GetValue(Patience),
        KeepCheckpoints = parse.GetValue(Keep), Seed = parse.GetValue(Seed), Beta2 = parse.GetValue(Beta2), Eps = parse.GetValue(AdamEps),
    };
}
