using BertCore.Inference;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore predict</c>: JSONL in, JSONL out; a thin layer over <see cref="PredictionFile"/>.</summary>
public sealed class PredictCommand : ICommand
{
    public string Name => "predict";
    public string Summary => "predict labels, values, tags or answers for JSONL inputs with a fine-tuned model";
    public string Help => """
        Usage: bertcore predict --model DIR --input FILE --output FILE [--batch B] [--device cpu|cuda]

        One JSON object per input line, one per output line in the same order ("id" is copied through):
          classify, pair  {"text"} or {"text", "text_pair"}  →  {"label", "score"}
          regress         {"text"} or {"text", "text_pair"}  →  {"value"}
          ner             {"tokens": ["Anna", "lives", ...]} →  {"tags": ["B-person", "O", ...]}
          qa              {"question", "context"}            →  {"answer", "start", "end", "score"}
                          (context[start:end] is the answer; offsets count code points, as SQuAD's answer_start)
        A model trained with --features takes each input's vector as "features": [numbers].
          --model DIR     a fine-tuned model folder (bertcore finetune's --output)
          --input FILE    JSONL inputs
          --output FILE   JSONL predictions (written atomically)
          --batch B       inputs per forward pass (default 64)
          --device D      cpu (default); cuda or cuda:N runs on an NVIDIA GPU (see `bertcore devices`)
                          (simulator: the GPU kernels on the CPU, very slow, for tests)
        """;

    public int Run(Arguments args)
    {
        string model = args.Required("model"), input = args.Required("input"), output = args.Required("output");
        int batch = args.Int("batch", 64);
        string device = args.Optional("device") ?? "cpu";
        args.RejectUnknown();
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        using var taskModel = TaskModel.Load(model, Devices.Create(device), batch);
        bool terminal = !Console.IsOutputRedirected;
        int count = PredictionFile.Run(taskModel, input, output, terminal ? new BarProgress() : null);
        if (terminal) Console.WriteLine();
        Console.WriteLine($"{count} {taskModel.Task.Name()} predictions written to {output}");
        return 0;
    }

    /// <summary>Redraws "done/total inputs" in place, on the calling thread.</summary>
    private sealed class BarProgress : IProgress<(int Done, int Total)>
    {
        public void Report((int Done, int Total) value) => Console.Write($"\r{value.Done}/{value.Total} inputs");
    }
}
