using BertCore.Inference;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore evaluate</c>: scores a fine-tuned model on labelled data; a thin layer over <see cref="TaskModel.Evaluate"/>.</summary>
public sealed class EvaluateCommand : ICommand
{
    public string Name => "evaluate";
    public string Summary => "score a fine-tuned model on labelled data; prints the metrics as one JSON object";
    public string Help => """
        Usage: bertcore evaluate --model DIR --data FILE [--features FILE] [--task TASK] [--batch B] [--device cpu|cuda]

        Reads FILE as the model's task (saved in DIR/bertcore_task.json, or config.json's architectures for a
        Hugging Face folder), prepares it exactly as training did, and prints one JSON line:
          classify {"accuracy"}    pair {"accuracy", "f1"}    regress {"pearson", "spearman"}
          ner {"precision", "recall", "f1"} (seqeval, entity level)    qa {"exact_match", "f1"} (official SQuAD v1.1, percent)
          --model DIR     a fine-tuned model folder (bertcore finetune's --output)
          --data FILE     labelled data in the task's format
          --features F    the external features of FILE's examples (rows "LINE v1 v2 ...", LINE = the data line
                          where the example starts); required exactly when the model was trained with --features
          --task TASK     check the task, or read a classify model's data as pairs (pair) and back
          --batch B       examples per forward pass (default 64)
          --device D      cpu (default); cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`)
                          (simulator: the GPU kernels on the CPU, very slow, for tests)
        """;

    public int Run(Arguments args)
    {
        string model = args.Required("model"), data = args.Required("data");
        string? task = args.Optional("task"), features = args.Optional("features");
        int batch = args.Int("batch", 64);
        string device = args.Optional("device") ?? "cpu";
        args.RejectUnknown();
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        TaskKind? kind;
        try
        {
            kind = task == null ? null : TaskKinds.Parse(task);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        using var taskModel = TaskModel.Load(model, Devices.Create(device), batch);
        Console.WriteLine(taskModel.Evaluate(data, kind, features).ToJson());
        return 0;
    }
}
