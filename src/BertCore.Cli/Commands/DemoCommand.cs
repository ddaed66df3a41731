using System.CommandLine;
using BertCore.Demo;
using BertCore.Text;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore demo</c>: the whole workflow on the embedded synthetic data or on real data; a thin layer over <see cref="DemoPipeline"/>.</summary>
public sealed class DemoCommand : ICommand
{
    private readonly Option<string> _data = CliOption.Text("--data",
        "real data laid out like shared/data: sst2/, pairs/rte/, pairs/stsb/, ner/wnut17/, qa/xquad.en.json (split by article: " +
        "every 6th of the 48 for dev, as XQuAD has no training split), corpus/wikitext-2-raw/wiki.test.raw (every 6th line held out)",
        valueName: "DIR");
    private readonly Option<string> _output = CliOption.Text("--output",
        "where everything goes (default: a new folder under the system temp folder)", valueName: "DIR");
    private readonly Option<bool> _quick = CliOption.Flag("--quick", "a smoke run: a few pretraining steps, a few epochs on a few examples");
    private readonly Option<int> _seed = CliOption.Int("--seed", 1, "data, initialization, masking, batch order and dropout");
    private readonly Option<int?> _pretrainSteps = CliOption.MaybeInt("--pretrain-steps", "override the pretraining steps (default 600 synthetic, 2000 real)");
    private readonly Option<int?> _epochs = CliOption.MaybeInt("--epochs", "override the fine-tuning epochs (default 5 synthetic, 3 real)");
    private readonly Option<int?> _maxTrain = CliOption.MaybeInt("--max-train",
        "train on the first N examples of each task (0: all; default 300 synthetic, all real)");
    private readonly Option<float?> _lr = CliOption.MaybeFloat("--lr", "override the fine-tuning learning rate (default 1e-3 synthetic, 5e-4 real)", "LR");
    private readonly Option<string> _preset = CliOption.Text("--preset",
        "the model size: tiny, mini, small, base (default: width 64 synthetic, tiny real)", valueName: "NAME");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _logEvery = CliOption.Int("--log-every", 100, "a log line every N steps when the output is not a terminal");

    public string Summary => "vocab → pretraining → fine-tuning (pretrained vs random init) → results table, on synthetic or real data";

    public string Notes => """
            Trains a WordPiece vocabulary on a corpus, pretrains a small BERT with masked-LM, fine-tunes every task from the
            pretrained model and from random initialization (same seed, steps and hyper-parameters), and prints the best
            dev score of each, with plots. Without --data it runs on synthetic data generated from the seed (sentiment
            classification whose dev adjectives never occur in training, NER, QA) in a few minutes on 2 cores.
            Output: DIR/results.md and results.json (the table), DIR/plots/TASK.png (dev metric, pretrained vs random),
            DIR/pretrain/ and DIR/finetune/TASK-pretrained|random/ (models in Hugging Face layout, metrics.csv, curves).
        """;

    public Command Create()
    {
        var command = new Command("demo", Summary) { _data, _output, _quick, _seed, _pretrainSteps, _epochs, _maxTrain, _lr, _preset, _device, _logEvery };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string? data = parse.GetValue(_data);
        string output = parse.GetValue(_output) ?? Path.Combine(Path.GetTempPath(), $"bertcore-demo-{DateTime.Now:yyyyMMdd-HHmmss}");
        bool quick = parse.GetValue(_quick);
        int seed = parse.GetValue(_seed);
        int? pretrainSteps = parse.GetValue(_pretrainSteps), epochs = parse.GetValue(_epochs), maxTrain = parse.GetValue(_maxTrain);
        float? lr = parse.GetValue(_lr);
        string? preset = parse.GetValue(_preset);
        string device = parse.GetValue(_device)!;
        int logEvery = parse.GetValue(_logEvery);
        if (pretrainSteps is < 1 || epochs is < 1 || maxTrain is < 0 || lr is <= 0 || logEvery < 1)
            throw new UsageException("--pretrain-steps, --epochs and --log-every must be at least 1, --max-train not negative, --lr positive");
        if (data != null && !Directory.Exists(data)) throw new UsageException($"--data {data}: no such folder");

        var backend = Devices.Create(device);
        var pipeline = new DemoPipeline(new DemoOptions
        {
            OutputDirectory = output, DataDirectory = data, Quick = quick, Seed = seed, PretrainSteps = pretrainSteps, Epochs = epochs,
            MaxTrainExamples = maxTrain, LearningRate = lr, Preset = preset,
        }, backend) { WorkProgress = new ProgressPrinter("bertcore demo") };
        var display = TrainingDisplay.ForConsole();
        var pretrainPrinter = new PretrainProgressPrinter(logEvery, display);
        var finetunePrinter = new FinetuneProgressPrinter(logEvery, display);
        pipeline.Stage += line =>
        {
            pretrainPrinter.Finish();
            finetunePrinter.Finish();
            display.WriteLine("== " + line);
        };
        pipeline.PretrainingStep += pretrainPrinter.Print;
        pipeline.FineTuningStep += finetunePrinter.Print;
        Console.WriteLine($"bertcore demo: {(data == null ? "synthetic data" : data)}{(quick ? ", quick" : "")}; output in {output}");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        DemoResults results;
        try
        {
            results = display.Run(() => pipeline.Run(cancel.Token));
        }
        catch (OperationCanceledException e)
        {
            Console.WriteLine(e.Message);
            return 130;
        }
        finally
        {
            pretrainPrinter.Finish();
            finetunePrinter.Finish();
        }
        Console.WriteLine();
        Console.WriteLine(results.PretrainingSummary());
        Console.WriteLine();
        Console.Write(results.Table());
        Console.WriteLine();
        if (results.Distillation is { } distillation) Console.WriteLine(distillation.Summary() + Environment.NewLine);
        Console.WriteLine($"done in {results.Elapsed.TotalSeconds:F0} s; results in {Path.Combine(output, DemoResults.MarkdownFile)}, plots in {Path.Combine(output, "plots")}");
        return 0;
    }
}
