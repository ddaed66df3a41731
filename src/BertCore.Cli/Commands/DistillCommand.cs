using System.Globalization;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore distill</c>: trains a student from a fine-tuned teacher, or self-distills; a thin layer over
/// <see cref="DistillationJob"/> and <see cref="SelfDistillation"/>.</summary>
public sealed class DistillCommand : ICommand
{
    public string Name => "distill";
    public string Summary => "knowledge distillation: a fine-tuned teacher into a student (or --self); output is a fine-tuned model folder";
    public string Help => """
        Usage: bertcore distill --teacher DIR --student-config NAME|config.json [--student-init auto|random|DIR]
                                --task TASK --train FILE --dev FILE --output DIR [options]
               bertcore distill --self --model DIR --task TASK --train FILE --dev FILE --output DIR [options]
               bertcore distill --speed --teacher DIR --student DIR [--student DIR ...] --dev FILE [--rounds N] [--eval-batch B]

        Loss per batch (classify, pair, regress, ner):
            α·KD + (1−α)·task loss + W_hidden·hidden MSE + W_attention·attention KL
          KD = T²·KL(softmax(teacher/T) ‖ softmax(student/T)), mean over examples (ner: over tagged tokens);
          regress: MSE to the teacher's predictions. The task loss is the usual cross-entropy / MSE to the labels.
        Teacher and student:
          --teacher DIR           a fine-tuned model folder of the task (its labels, max length, case and vocabulary are
                                  the student's)
          --student-config C      tiny, mini, small, base or a config.json (vocab size and token types: the teacher's)
          --student-init I        auto (default): the teacher's embeddings, head and layers per --layer-map when the
                                  widths match (hidden, heads, FFN), else random; random; or a model folder DIR
          --self                  self-distillation: fine-tune --model into OUTPUT/teacher, then fine-tune --model again
                                  on the teacher's soft labels into OUTPUT (OUTPUT/teacher is the plain baseline)
          --model DIR             with --self: the model both runs start from
        Distillation:
          --temperature T         softmax temperature of KD (default 2)
          --alpha A               weight of KD; the task loss gets 1 − A (default 0.5)
          --hidden-loss W         weight of the hidden-state MSE (embeddings and each mapped layer, through a learned
                                  projection when widths differ; runs the teacher online; default 0)
          --attention-loss W      weight of the per-head attention KL (same head count needed; teacher online; default 0)
          --layer-map L           teacher layer of each student layer, e.g. 1,3,5 (default uniform:
                                  student j <-> teacher (j+1)*Lt/Ls - 1; embeddings <-> embeddings)
          --cache DIR             teacher-logit cache folder (default OUTPUT/teacher-cache); keyed by the teacher's files
                                  and the encoded training inputs, so a stale cache is never used
        Data, optimization and output as in finetune:
          --max-train N, --max-dev N, --epochs N (default 3), --max-steps N, --batch B (32), --grad-accum K (1),
          --lr LR (5e-5), --warmup-ratio F (0.1), --weight-decay W (0.01), --max-grad-norm N (1.0), --seed N (42),
          --eval-every N, --eval-batch B (64), --patience N, --keep K (1), --log-every N (10), --device cpu
        --speed: inference tokens/s of the teacher and each student over --dev through evaluate's code path (one warm-up
        pass each, then --rounds rounds (default 5) of one timed pass per model, alternating); prints one JSON line with
        each model's median tokens/s and its speed-up over the teacher.
        The output folder is a fine-tuned model folder (evaluate, predict and TaskModel load it) with metrics.csv,
        loss.png, dev.png and results.json. Ctrl+C stops after the current step; the best model so far is saved.
        """;

    public int Run(Arguments args)
    {
        if (args.Flag("speed")) return Speed(args);
        var o = Parse(args);
        var backend = Devices.Create(o.Device);
        if (FineTuningCheckpoints.List(o.Output).Count > 0 || File.Exists(Path.Combine(o.Output, FineTuner.ResultsFile)))
            throw new InvalidOperationException($"{o.Output} already holds a fine-tuning run; choose another --output");
        var options = new FineTunerOptions
        {
            OutputDirectory = o.Output, Epochs = o.Epochs, MaxSteps = o.MaxSteps, BatchSize = o.Batch, GradientAccumulationSteps = o.GradAccum,
            LearningRate = o.Lr, WarmupRatio = o.WarmupRatio, WeightDecay = o.WeightDecay, MaxGradNorm = o.MaxGradNorm, EvalEvery = o.EvalEvery,
            EvalBatchSize = o.EvalBatch, Patience = o.Patience, KeepCheckpoints = o.Keep, Seed = o.Seed,
        };
        var distillation = new DistillationOptions
        {
            Temperature = o.Temperature, Alpha = o.Alpha, HiddenWeight = o.HiddenLoss, AttentionWeight = o.AttentionLoss,
        };
        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        DistillationSetup setup;
        if (o.Self)
        {
            var fineTuning = new FineTuningSetup
            {
                Task = o.Task, TrainFile = o.Train, DevFile = o.Dev, ModelDirectory = o.Model, MaxTrainExamples = o.MaxTrain, MaxDevExamples = o.MaxDev,
            };
            Console.WriteLine($"self-distillation, run 1 of 2: fine-tuning {o.Model} into {SelfDistillation.TeacherOptions(options).OutputDirectory}");
            using (var job = FineTuningJob.Prepare(backend, fineTuning, SelfDistillation.TeacherOptions(options)))
            {
                var teacherResult = Train(job.Tuner, () => job.Run(cancel.Token), o.LogEvery);
                Report("teacher", teacherResult);
                if (!teacherResult.Completed) return 130;
            }
            Console.WriteLine("self-distillation, run 2 of 2: fine-tuning again on the teacher's soft labels");
            setup = SelfDistillation.StudentSetup(fineTuning, options, o.Cache);
        }
        else
        {
            setup = new DistillationSetup
            {
                Task = o.Task, TeacherDirectory = o.Teacher!, StudentConfig = StudentConfig(o.StudentConfig!),
                StudentStart = o.StudentInit switch { "auto" => StudentStart.Auto, "random" => StudentStart.Random, _ => StudentStart.Directory },
                StudentInitDirectory = o.StudentInit is "auto" or "random" ? null : o.StudentInit,
                TrainFile = o.Train, DevFile = o.Dev, MaxTrainExamples = o.MaxTrain, MaxDevExamples = o.MaxDev, CacheDirectory = o.Cache,
            };
        }
        if (o.LayerMap != null)
        {
            int studentLayers = setup.StudentConfig.NumHiddenLayers, teacherLayers = ModelDirectory.LoadConfig(setup.TeacherDirectory).NumHiddenLayers;
            distillation = distillation with { LayerMap = LayerMapping.Parse(o.LayerMap, studentLayers, teacherLayers) };
        }
        using var distill = DistillationJob.Prepare(backend, setup, options, distillation, Console.WriteLine);
        var tuner = distill.Tuner;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{o.Task.Name()}: {tuner.Train.File.Count} training examples ({tuner.Train.Count} features), {tuner.Dev?.File.Count ?? 0} dev examples; " +
            $"{tuner.TotalSteps} steps ({tuner.StepsPerEpoch} per epoch), {tuner.WarmupSteps} warmup"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"teacher {distill.Teacher.Model.ParameterCount:N0} parameters, student {distill.Student.Model.ParameterCount:N0}, initialized {distill.Initialization}; " +
            $"T {o.Temperature}, alpha {o.Alpha}, hidden {o.HiddenLoss}, attention {o.AttentionLoss}"));
        var result = Train(tuner, () => distill.Run(cancel.Token), o.LogEvery);
        Report("student", result);
        return result.Completed ? 0 : 130;
    }

    private static int Speed(Arguments args)
    {
        string teacher = args.Required("teacher"), dev = args.Required("dev");
        var students = args.Many("student", required: true);
        int rounds = args.Int("rounds", 5), batch = args.Int("eval-batch", 64);
        var backend = Devices.Create(args.Optional("device") ?? "cpu");
        args.RejectUnknown();
        if (rounds < 1 || batch < 1) throw new UsageException("--rounds and --eval-batch must be at least 1");
        var speeds = InferenceSpeed.Compare(backend, [teacher, .. students], dev, rounds, batch);
        double baseline = speeds[0].MedianTokensPerSecond;
        var line = speeds.Select(s => new Dictionary<string, object>
        {
            ["model"] = s.Directory, ["tokens"] = s.Tokens, ["seconds"] = s.Seconds.Select(x => Math.Round(x, 4)).ToArray(),
            ["median_tokens_per_s"] = Math.Round(s.MedianTokensPerSecond, 1), ["speedup"] = Math.Round(s.MedianTokensPerSecond / baseline, 3),
        });
        Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(line));
        return 0;
    }

    private static FineTuningResult Train(FineTuner tuner, Func<FineTuningResult> run, int logEvery)
    {
        var printer = new FinetuneProgressPrinter(logEvery);
        tuner.StepCompleted += printer.Print;
        try
        {
            var result = run();
            RunPlots.Write(result.OutputDirectory);
            return result;
        }
        finally
        {
            tuner.StepCompleted -= printer.Print;
            printer.Finish();
        }
    }

    private static void Report(string who, FineTuningResult result)
    {
        var best = result.Best is { } b ? string.Create(CultureInfo.InvariantCulture, $"best dev at step {b.Step}: {b.Scores}") : "no dev evaluation";
        Console.WriteLine($"{who}: {(result.Completed ? "done" : "stopped")} after {result.Steps} steps; {best}; model saved to {result.OutputDirectory}");
    }

    /// <summary>A preset (its vocabulary size is replaced by the teacher's) or a config.json.</summary>
    private static BertConfig StudentConfig(string nameOrPath) =>
        BertConfig.PresetNames.Contains(nameOrPath) ? BertConfig.Preset(nameOrPath) : BertConfig.Load(nameOrPath);

    private sealed record Options(
        TaskKind Task, string Train, string Dev, string Output, bool Self, string? Model, string? Teacher, string? StudentConfig, string StudentInit,
        float Temperature, float Alpha, float HiddenLoss, float AttentionLoss, string? LayerMap, string? Cache,
        int Epochs, int MaxSteps, int Batch, int GradAccum, float Lr, float WarmupRatio, float WeightDecay, float MaxGradNorm,
        int Seed, string Device, int EvalEvery, int EvalBatch, int Patience, int Keep, int LogEvery, int? MaxTrain, int? MaxDev);

    private static Options Parse(Arguments args)
    {
        TaskKind task;
        try
        {
            task = TaskKinds.Parse(args.Required("task"));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        int? Maybe(string name) => args.Optional(name) is null ? null : args.Int(name, 0);
        var o = new Options(task, args.Required("train"), args.Required("dev"), args.Required("output"), args.Flag("self"), args.Optional("model"),
            args.Optional("teacher"), args.Optional("student-config"), args.Optional("student-init") ?? "auto",
            args.Float("temperature", 2f), args.Float("alpha", 0.5f), args.Float("hidden-loss", 0f), args.Float("attention-loss", 0f),
            args.Optional("layer-map"), args.Optional("cache"),
            args.Int("epochs", 3), args.Int("max-steps", 0), args.Int("batch", 32), args.Int("grad-accum", 1), args.Float("lr", 5e-5f),
            args.Float("warmup-ratio", 0.1f), args.Float("weight-decay", 0.01f), args.Float("max-grad-norm", 1f), args.Int("seed", 42),
            args.Optional("device") ?? "cpu", args.Int("eval-every", 0), args.Int("eval-batch", 64), args.Int("patience", 0), args.Int("keep", 1),
            args.Int("log-every", 10), Maybe("max-train"), Maybe("max-dev"));
        args.RejectUnknown();
        if (task == TaskKind.Qa) throw new UsageException("distill supports --task classify, pair, regress and ner");
        if (o.Self)
        {
            if (o.Model == null) throw new UsageException("--self needs --model DIR");
            if (o.Teacher != null || o.StudentConfig != null || o.StudentInit != "auto")
                throw new UsageException("--self trains its own teacher and student: drop --teacher, --student-config and --student-init");
        }
        else
        {
            if (o.Teacher == null || o.StudentConfig == null) throw new UsageException("give --teacher DIR and --student-config NAME|PATH (or --self --model DIR)");
            if (o.Model != null) throw new UsageException("--model is for --self; the student starts per --student-init");
        }
        if (!(o.Temperature > 0) || o.Alpha is not (>= 0 and <= 1) || o.HiddenLoss < 0 || o.AttentionLoss < 0)
            throw new UsageException("--temperature must be positive, --alpha in [0, 1], --hidden-loss and --attention-loss not negative");
        if (o.Epochs < 1 || o.MaxSteps < 0 || o.Batch < 1 || o.GradAccum < 1 || o.EvalBatch < 1 || o.LogEvery < 1)
            throw new UsageException("--epochs, --batch, --grad-accum, --eval-batch and --log-every must be at least 1; --max-steps not negative");
        if (o.Lr <= 0 || o.WarmupRatio is < 0 or > 1 || o.WeightDecay < 0 || o.MaxGradNorm < 0)
            throw new UsageException("--lr must be positive, --warmup-ratio in [0, 1], --weight-decay and --max-grad-norm not negative");
        if (o.EvalEvery < 0 || o.Patience < 0 || o.Keep < 0) throw new UsageException("--eval-every, --patience and --keep must not be negative");
        if (o.MaxTrain is < 1 || o.MaxDev is < 1) throw new UsageException("--max-train and --max-dev must be at least 1");
        return o;
    }
}
