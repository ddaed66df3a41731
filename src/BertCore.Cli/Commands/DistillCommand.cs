using System.CommandLine;
using System.Globalization;
using BertCore.Checkpoints;
using BertCore.Distributed;
using BertCore.Cli.Plots;
using BertCore.IO;
using BertCore.Inference;
using BertCore.Training.Distillation;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore distill</c>: trains a student from a fine-tuned teacher, or self-distills; a thin layer over
/// <see cref="DistillationJob"/> and <see cref="SelfDistillation"/>.</summary>
public sealed class DistillCommand : ICommand
{
    private readonly FineTuningOptionSet _common = new();
    private readonly Option<string> _task = CliOption.Text("--task", "classify, pair, regress or ner", valueName: "TASK");
    private readonly Option<string> _train = CliOption.Text("--train", "labelled training data", valueName: "FILE");
    private readonly Option<string> _dev = CliOption.Text("--dev", "labelled dev data (with --speed: the inputs to time)", valueName: "FILE");
    private readonly Option<string> _teacher = CliOption.Text("--teacher",
        "a fine-tuned model folder of the task (its labels, max length, case and vocabulary are the student's)", valueName: "DIR");
    private readonly Option<string> _studentConfig = CliOption.Text("--student-config",
        "tiny, mini, small, base or a config.json (vocab size and token types: the teacher's)", valueName: "C");
    private readonly Option<string> _studentInit = CliOption.Text("--student-init",
        "auto: the teacher's embeddings, head and layers per --layer-map when the widths match (hidden, heads, FFN), else " +
        "random; random; pca: a narrower student's embeddings projected from the teacher's onto their top principal directions, " +
        "layers random; or a model folder DIR", fallback: "auto", valueName: "I");
    private readonly Option<bool> _self = CliOption.Flag("--self",
        "self-distillation: fine-tune --model into OUTPUT/teacher, then fine-tune --model again on the teacher's soft labels " +
        "into OUTPUT (OUTPUT/teacher is the plain baseline)");
    private readonly Option<string> _model = CliOption.Text("--model", "with --self: the model both runs start from", valueName: "DIR");
    private readonly Option<float> _temperature = CliOption.Float("--temperature", 2f, "softmax temperature of KD", "T");
    private readonly Option<float> _alpha = CliOption.Float("--alpha", 0.5f, "weight of KD; the task loss gets 1 − A", "A");
    private readonly Option<float> _hiddenLoss = CliOption.Float("--hidden-loss", 0f,
        "weight of the hidden-state MSE (embeddings and each mapped layer, through a learned projection when widths differ; runs " +
        "the teacher online)", "W");
    private readonly Option<float> _attentionLoss = CliOption.Float("--attention-loss", 0f,
        "weight of the per-head attention KL (same head count needed; teacher online)", "W");
    private readonly Option<string> _layerMap = CliOption.Text("--layer-map",
        "teacher layer of each student layer, e.g. 1,3,5 (default uniform: student j <-> teacher (j+1)*Lt/Ls - 1; embeddings <-> " +
        "embeddings)", valueName: "L");
    private readonly Option<string> _cache = CliOption.Text("--cache",
        "teacher-logit cache folder (default OUTPUT/teacher-cache); keyed by the teacher's files and the encoded training " +
        "inputs, so a stale cache is never used", valueName: "DIR");
    private readonly Option<int> _augment = CliOption.Int("--augment", 0,
        "classify/pair/regress: add N copies of every training text edited by random word swaps, deletions and insertions " +
        "(EDA without synonyms) to the transfer data; the teacher labels each copy");
    private readonly Option<string> _pooling = CliOption.Text("--pooling",
        "the student's sentence vector (classify, pair, regress): cls (pooler on [CLS]), mean or max (last layer, padding " +
        "excluded), concat-last-K, scalar-mix, as finetune's --pooling (default: the teacher's)", valueName: "P");
    private readonly Option<bool> _speed = CliOption.Flag("--speed",
        "inference tokens/s of the teacher and each --student over --dev through evaluate's code path (one warm-up pass each, " +
        "then --rounds rounds of one timed pass per model, alternating); prints one JSON line with each model's median tokens/s " +
        "and its speed-up over the teacher");
    private readonly Option<string[]> _student = CliOption.Many("--student", "with --speed: a student model folder (repeatable)", valueName: "DIR");
    private readonly Option<int> _rounds = CliOption.Int("--rounds", 5, "with --speed: timed rounds");

    public string Summary => "knowledge distillation: a fine-tuned teacher into a student (or --self); output is a fine-tuned model folder";

    public string Notes => """
            Usage: bertcore distill --teacher DIR --student-config NAME|config.json [--student-init auto|random|pca|DIR]
                                    --task TASK --train FILE --dev FILE --output DIR [options]
                   bertcore distill --self --model DIR --task TASK --train FILE --dev FILE --output DIR [options]
                   bertcore distill --speed --teacher DIR --student DIR [--student DIR ...] --dev FILE [--rounds N] [--eval-batch B]

            Loss per batch (classify, pair, regress, ner):
                α·KD + (1−α)·task loss + W_hidden·hidden MSE + W_attention·attention KL
              KD = T²·KL(softmax(teacher/T) ‖ softmax(student/T)), mean over examples (ner: over tagged tokens);
              regress: MSE to the teacher's predictions. The task loss is the usual cross-entropy / MSE to the labels.
            The output folder is a fine-tuned model folder (evaluate, predict and TaskModel load it) with metrics.csv,
            loss.png, dev.png and results.json. Ctrl+C stops after the current step; the best model so far is saved.
        """;

    public Command Create()
    {
        CliOption.Suggest(_task, "classify", "pair", "regress", "ner");
        var command = new Command("distill", Summary);
        foreach (var option in new Option[] { _task, _train, _dev, _teacher, _studentConfig, _studentInit, _self, _model, _temperature, _alpha,
                     _hiddenLoss, _attentionLoss, _layerMap, _cache, _augment, _pooling }.Concat(_common.All).Concat([_speed, _student, _rounds]))
            command.Add(option);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse) => parse.GetValue(_speed) ? Speed(parse) : DataParallelCli.Run("distill", world => Run(parse, world));

    private int Run(ParseResult parse, ICommunicator world)
    {
        var o = Parse(parse);
        DataParallelCli.RequireShards(world, parse.GetValue(_common.GradAccum), "--grad-accum");
        var backend = DataParallelCli.Backend(world, o.Device, parse.GetValue(_common.Threads));
        if (FineTuningCheckpoints.List(o.Output).Count > 0 || File.Exists(Path.Combine(o.Output, FineTuner.ResultsFile)))
            throw new InvalidOperationException($"{o.Output} already holds a fine-tuning run; choose another --output");
        var options = _common.Read(parse);
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
            using (var job = FineTuningJob.Prepare(backend, fineTuning, SelfDistillation.TeacherOptions(options), world: world))
            {
                var teacherResult = Train(job.Tuner, () => job.Run(cancel.Token), o.LogEvery, world);
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
                StudentStart = o.StudentInit switch
                {
                    "auto" => StudentStart.Auto, "random" => StudentStart.Random, "pca" => StudentStart.ProjectedEmbeddings, _ => StudentStart.Directory,
                },
                StudentInitDirectory = o.StudentInit is "auto" or "random" or "pca" ? null : o.StudentInit,
                TrainFile = o.Train, DevFile = o.Dev, MaxTrainExamples = o.MaxTrain, MaxDevExamples = o.MaxDev, CacheDirectory = o.Cache,
                Augment = o.Augment, StudentPooling = o.Pooling,
            };
        }
        if (o.LayerMap != null)
        {
            int studentLayers = setup.StudentConfig.NumHiddenLayers, teacherLayers = ModelDirectory.LoadConfig(setup.TeacherDirectory).NumHiddenLayers;
            distillation = distillation with { LayerMap = LayerMapping.Parse(o.LayerMap, studentLayers, teacherLayers) };
        }
        using var distill = DistillationJob.Prepare(backend, setup, options, distillation, Console.WriteLine, world);
        var tuner = distill.Tuner;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{o.Task.Name()}: {tuner.Train.File.Count} training examples ({tuner.Train.Count} features), {tuner.Dev?.File.Count ?? 0} dev examples; " +
            $"{tuner.TotalSteps} steps ({tuner.StepsPerEpoch} per epoch), {tuner.WarmupSteps} warmup"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"teacher {distill.Teacher.Model.ParameterCount:N0} parameters, student {distill.Student.Model.ParameterCount:N0}, initialized {distill.Initialization}; " +
            $"T {o.Temperature}, alpha {o.Alpha}, hidden {o.HiddenLoss}, attention {o.AttentionLoss}"));
        var result = Train(tuner, () => distill.Run(cancel.Token), o.LogEvery, world);
        Report("student", result);
        return result.Completed ? 0 : 130;
    }

    private int Speed(ParseResult parse)
    {
        string teacher = CliOption.Require(parse, _teacher), dev = CliOption.Require(parse, _dev);
        var students = CliOption.Require(parse, _student);
        int rounds = parse.GetValue(_rounds), batch = parse.GetValue(_common.EvalBatch);
        var backend = Devices.Create(parse.GetValue(_common.Device)!);
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

    private static FineTuningResult Train(FineTuner tuner, Func<FineTuningResult> run, int logEvery, ICommunicator world)
    {
        var display = TrainingDisplay.ForConsole();
        var printer = new FinetuneProgressPrinter(logEvery, display);
        tuner.StepCompleted += printer.Print;
        try
        {
            var result = display.Run(run);
            if (world.Rank == 0) RunPlots.Write(result.OutputDirectory);
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
        float Temperature, float Alpha, float HiddenLoss, float AttentionLoss, string? LayerMap, string? Cache, int Augment, int? MaxTrain, int? MaxDev,
        string Device, int LogEvery, Pooling? Pooling);

    private Options Parse(ParseResult parse)
    {
        TaskKind task;
        try
        {
            task = TaskKinds.Parse(CliOption.Require(parse, _task));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var o = new Options(
            Task: task, Train: CliOption.Require(parse, _train), Dev: CliOption.Require(parse, _dev), Output: CliOption.Require(parse, _common.Output),
            Self: parse.GetValue(_self), Model: parse.GetValue(_model), Teacher: parse.GetValue(_teacher), StudentConfig: parse.GetValue(_studentConfig),
            StudentInit: parse.GetValue(_studentInit)!, Temperature: parse.GetValue(_temperature), Alpha: parse.GetValue(_alpha),
            HiddenLoss: parse.GetValue(_hiddenLoss), AttentionLoss: parse.GetValue(_attentionLoss), LayerMap: parse.GetValue(_layerMap),
            Cache: parse.GetValue(_cache), Augment: parse.GetValue(_augment), MaxTrain: parse.GetValue(_common.MaxTrain), MaxDev: parse.GetValue(_common.MaxDev),
            Device: parse.GetValue(_common.Device)!, LogEvery: parse.GetValue(_common.LogEvery),
            Pooling: FinetuneCommand.ParsePooling(parse.GetValue(_pooling)));
        _common.Validate(parse);
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
        if (!(o.Temperature > 0) || o.Alpha is not (>= 0 and <= 1) || o.HiddenLoss < 0 || o.AttentionLoss < 0 || o.Augment < 0)
            throw new UsageException("--temperature must be positive, --alpha in [0, 1], --hidden-loss, --attention-loss and --augment not negative");
        if (o.Self && o.Pooling != null) throw new UsageException("--pooling sets the student's of a --teacher; not with --self");
        if (o.Augment > 0 && (o.Self || task == TaskKind.Ner))
            throw new UsageException("--augment edits the texts of classify, pair and regress data for a --teacher; not with --self or --task ner");
        return o;
    }
}
