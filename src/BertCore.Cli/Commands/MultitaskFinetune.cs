using System.Globalization;
using BertCore.Checkpoints;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.MultiTask;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore finetune --multitask SPEC</c>: several tasks over one shared encoder; a thin layer over
/// <see cref="MultiTaskFineTuner"/>.</summary>
internal static class MultitaskFinetune
{
    public const string Description =
        "multi-task instead of --task, --train and --dev: a JSON file {\"tasks\": [{\"name\": N, \"task\": T, \"train\": FILE, " +
        "\"dev\": FILE}, ...]} (optional per task: \"max_train\", \"max_dev\"; paths relative to SPEC). One encoder is shared, " +
        "each task has its own head; each step trains on one task, drawn with probability proportional to its training examples " +
        "(seeded). Takes --model/--config/--vocab/--cased, --output, --epochs/--max-steps, --batch, --lr, --warmup-ratio, " +
        "--weight-decay, --max-grad-norm, --beta2, --adam-eps, --max-seq, --seed, --schedule, --eval-every, --eval-batch, --log-every, --device. " +
        "Output: DIR/NAME/ per task (a model folder for evaluate and predict, with a copy of the shared encoder; the final " +
        "weights) and DIR/results.json (draws and dev scores per task).";

    /// <summary>Trains the tasks of <paramref name="specPath"/> with <paramref name="options"/>; returns the exit code.</summary>
    public static int Run(string specPath, FineTunerOptions options, string? model, string? configName, string? vocab, bool cased,
        int? maxSeq, int logEvery, string device)
    {
        string output = options.OutputDirectory;
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
