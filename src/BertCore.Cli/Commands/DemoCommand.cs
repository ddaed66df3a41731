using BertCore.Demo;
using BertCore.Text;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore demo</c>: the whole workflow on the embedded synthetic data or on real data; a thin layer over <see cref="DemoPipeline"/>.</summary>
public sealed class DemoCommand : ICommand
{
    public string Name => "demo";
    public string Summary => "vocab → pretraining → fine-tuning (pretrained vs random init) → results table, on synthetic or real data";
    public string Help => """
        Usage: bertcore demo [--data DIR] [--output DIR] [--quick] [options]

        Trains a WordPiece vocabulary on a corpus, pretrains a small BERT with masked-LM, fine-tunes every task from the
        pretrained model and from random initialization (same seed, steps and hyper-parameters), and prints the best
        dev score of each, with plots. Without --data it runs on synthetic data generated from the seed (sentiment
        classification whose dev adjectives never occur in training, NER, QA) in a few minutes on 2 cores.
          --data DIR          real data laid out like shared/data: sst2/, pairs/rte/, pairs/stsb/, ner/wnut17/,
                              qa/xquad.en.json (split by article: every 6th of the 48 for dev, as XQuAD has no
                              training split), corpus/wikitext-2-raw/wiki.test.raw (every 6th line held out)
          --output DIR        where everything goes (default: a new folder under the system temp folder)
          --quick             a smoke run: a few pretraining steps, a few epochs on a few examples
          --seed N            data, initialization, masking, batch order and dropout (default 1)
          --pretrain-steps N  override the pretraining steps (default 600 synthetic, 2000 real)
          --epochs N          override the fine-tuning epochs (default 5 synthetic, 3 real)
          --max-train N       train on the first N examples of each task (0: all; default 300 synthetic, all real)
          --lr LR             override the fine-tuning learning rate (default 1e-3 synthetic, 5e-4 real)
          --preset NAME       the model size: tiny, mini, small, base (default: width 64 synthetic, tiny real)
          --device cpu|cuda   cpu (default); cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`)
                              (simulator: the GPU kernels on the CPU, very slow, for tests)
          --log-every N       a log line every N steps when the output is not a terminal (default 100)
        Output: DIR/results.md and results.json (the table), DIR/plots/TASK.png (dev metric, pretrained vs random),
        DIR/pretrain/ and DIR/finetune/TASK-pretrained|random/ (models in Hugging Face layout, metrics.csv, curves).
        """;

    public int Run(Arguments args)
    {
        string? data = args.Optional("data");
        string output = args.Optional("output") ?? Path.Combine(Path.GetTempPath(), $"bertcore-demo-{DateTime.Now:yyyyMMdd-HHmmss}");
        bool quick = args.Flag("quick");
        int seed = args.Int("seed", 1);
        int? pretrainSteps = Maybe(args, "pretrain-steps"), epochs = Maybe(args, "epochs"), maxTrain = Maybe(args, "max-train");
        float? lr = args.Optional("lr") is null ? null : args.Float("lr", 0);
        string? preset = args.Optional("preset");
        string device = args.Optional("device") ?? "cpu";
        int logEvery = args.Int("log-every", 100);
        args.RejectUnknown();
        if (pretrainSteps is < 1 || epochs is < 1 || maxTrain is < 0 || lr is <= 0 || logEvery < 1)
            throw new UsageException("--pretrain-steps, --epochs and --log-every must be at least 1, --max-train not negative, --lr positive");
        if (data != null && !Directory.Exists(data)) throw new UsageException($"--data {data}: no such folder");

        var backend = Devices.Create(device);
        var pipeline = new DemoPipeline(new DemoOptions
        {
            OutputDirectory = output, DataDirectory = data, Quick = quick, Seed = seed, PretrainSteps = pretrainSteps, Epochs = epochs,
            MaxTrainExamples = maxTrain, LearningRate = lr, Preset = preset,
        }, backend) { WorkProgress = new ProgressPrinter("bertcore demo") };
        var pretrainPrinter = new PretrainProgressPrinter(logEvery);
        var finetunePrinter = new FinetuneProgressPrinter(logEvery);
        pipeline.Stage += line =>
        {
            pretrainPrinter.Finish();
            finetunePrinter.Finish();
            Console.WriteLine("== " + line);
        };
        pipeline.PretrainingStep += pretrainPrinter.Print;
        pipeline.FineTuningStep += finetunePrinter.Print;
        Console.WriteLine($"bertcore demo: {(data == null ? "synthetic data" : data)}{(quick ? ", quick" : "")}; output in {output}");

        using var cancel = new CtrlC();   // the first Ctrl+C stops cleanly, a second one kills
        DemoResults results;
        try
        {
            results = pipeline.Run(cancel.Token);
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

    private static int? Maybe(Arguments args, string name) => args.Optional(name) is null ? null : args.Int(name, 0);
}
