using System.Globalization;
using BertCore.Checkpoints;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.MultiTask;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore finetune --multitask SPEC</c>: several tasks over one shared encoder; a thin layer over
/// <see cref="MultiTaskFineTuner"/>.</summary>
internal static class MultitaskFinetune
{
    public const string Help = """
        Multi-task (instead of --task, --train and --dev):
          --multitask SPEC        a JSON file {"tasks": [{"name": N, "task": T, "train": FILE, "dev": FILE}, ...]} (optional
                                  per task: "max_train", "max_dev"; paths relative to SPEC). One encoder is shared, each
                                  task has its own head; each step trains on one task, drawn with probability
                                  proportional to its training examples (seeded). Takes --model/--config/--vocab/--cased,
                                  --output, --epochs/--max-steps, --batch, --lr, --warmup-ratio, --weight-decay,
                                  --max-grad-norm, --max-seq, --seed, --schedule, --eval-every, --eval-batch, --log-every.
                                  Output: DIR/NAME/ per task (a model folder for evaluate and predict, with a copy of the
                                  shared encoder; the final weights) and DIR/results.json (draws and dev scores per task).
        """;

    public static int Run(Arguments args, string specPath)
    {
        if (args.Optional("task") != null || args.Optional("train") != null || args.Optional("dev") != null)
            throw new UsageException("--multitask replaces --task, --train and --dev");
        string? model = args.Optional("model"), configName = args.Optional("config"), vocab = args.Optional("vocab");
        bool cased = args.Flag("cased");
        string output = args.Required("output");
        int? maxSeq = args.Optional("max-seq") is null ? null : args.Int("max-seq", 0);
        var options = new FineTunerOptions
        {
            OutputDirectory = output, Epochs = args.Int("epochs", 3), MaxSteps = args.Int("max-steps", 0), BatchSize = args.Int("batch", 32),
            LearningRate = args.Float("lr", 5e-5f), WarmupRatio = args.Float("warmup-ratio", 0.1f), WeightDecay = args.Float("weight-decay", 0.01f),
            MaxGradNorm = args.Float("max-grad-norm", 1f), Seed = args.Int("seed", 42), Schedule = args.Optional("schedule") ?? "linear",
            EvalEvery = args.Int("eval-every", 0), EvalBatchSize = args.Int("eval-batch", 64),
        };
        int logEvery = args.Int("log-every", 10);
        string device = args.Optional("device") ?? "cpu";
        args.RejectUnknown();
        if ((model != null) == (configName != null)) throw new UsageException("give exactly one of --model DIR and --config NAME|PATH");
        if (configName != null && vocab == null) throw new UsageException("--config needs --vocab");
        if (logEvery < 1 || maxSeq is < 8) throw new UsageException("--log-every must be at least 1 and --max-seq at least 8");
        try
        {
            options.Validate();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        if (File.Exists(Path.Combine(output, FineTuner.ResultsFile)))
            throw new InvalidOperationException($"{output} already holds a fine-tuning run; choose another --output");

        var spec = MultiTaskSpec.Load(specPath);
        var setup = new FineTuningSetup
        {
            Task = spec.Tasks[0].Task, TrainFile = spec.Tasks[0].Train, ModelDirectory = model,
            Config = configName == null ? null : FinetuneCommand.Config(configName, vocab!), VocabPath = vocab, Lowercase = cased ? false : null, MaxSequenceLength = maxSeq,
        };
        using var tuner = MultiTaskFineTuner.Prepare(Devices.Create(device), spec, setup, options);
        for (int k = 0; k < spec.Tasks.Count; k++)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{spec.Tasks[k].Name} ({spec.Tasks[k].Task.Name()}): {tuner.Jobs[k].Tuner.Train.File.Count} training examples, " +
                $"{tuner.Jobs[k].Tuner.Dev?.File.Count ?? 0} dev examples, drawn with probability {tuner.Sampler.Probabilities[k]:F3}"));
        Console.WriteLine($"{tuner.TotalSteps} steps; one shared encoder of {tuner.Networks[0].Encoder.ParameterCount:N0} parameters");
        tuner.StepCompleted += s =>
        {
            if (s.Step % logEvery == 0 || s.Step == tuner.TotalSteps)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {s.Step}/{tuner.TotalSteps} task {spec.Tasks[s.Task].Name} loss {s.Loss:F4} lr {s.LearningRate:E3} grad_norm {s.GradNorm:F3}"));
        };
        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        var scores = tuner.Run(cancel.Token);
        foreach (var s in scores)
            Console.WriteLine($"{s.Entry.Name}: {s.Draws} steps; {(s.Dev is { } dev ? $"dev {dev}" : "no dev data")}; model saved to {Path.Combine(output, s.Entry.Name)}");
        return tuner.Step >= tuner.TotalSteps ? 0 : 130;
    }
}
