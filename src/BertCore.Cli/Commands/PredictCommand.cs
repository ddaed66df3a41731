using System.CommandLine;
using BertCore.Inference;
using BertCore.Training.FineTuning;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore predict</c>: JSONL in, JSONL out; a thin layer over <see cref="PredictionFile"/>.</summary>
public sealed class PredictCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model", "a fine-tuned model folder (bertcore finetune's --output)", required: true, valueName: "DIR");
    private readonly Option<string> _input = CliOption.Text("--input", "JSONL inputs", required: true, valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output", "JSONL predictions (written atomically)", required: true, valueName: "FILE");
    private readonly Option<int> _batch = CliOption.Int("--batch", 64, "inputs per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<bool> _padded = CliOption.Flag("--padded",
        "pad each batch to its longest input instead of packing the inputs back to back (the GPU always pads; for comparisons)");
    private readonly Option<string> _quantize = CliOption.Quantize();

    public string Summary => "predict labels, values, tags or answers for JSONL inputs with a fine-tuned model";

    public string Notes => """
            One JSON object per input line, one per output line in the same order ("id" is copied through):
              classify, pair  {"text"} or {"text", "text_pair"}  →  {"label", "score"}
              regress         {"text"} or {"text", "text_pair"}  →  {"value"}
              ner             {"tokens": ["Anna", "lives", ...]} →  {"tags": ["B-person", "O", ...]}
              qa              {"question", "context"}            →  {"answer", "start", "end", "score"}
                              (context[start:end] is the answer; offsets count code points, as SQuAD's answer_start)
            A model trained with --features takes each input's vector as "features": [numbers].
        """;

    public Command Create()
    {
        var command = new Command("predict", Summary) { _model, _input, _output, _batch, _device, _threads, _padded, _quantize };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string model = parse.GetValue(_model)!, input = parse.GetValue(_input)!, output = parse.GetValue(_output)!;
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        using var taskModel = TaskModel.Load(model, CliOption.Backend(parse, _device, _threads), batch, CliOption.Precision(parse.GetValue(_quantize)!));
        taskModel.Pack = !parse.GetValue(_padded);
        bool terminal = !Console.IsOutputRedirected;
        int count = PredictionFile.Run(taskModel, input, output, terminal ? new TextCountProgress("inputs") : null);
        if (terminal) Console.WriteLine();
        Console.WriteLine($"{count} {taskModel.Task.Name()} predictions written to {output}");
        return 0;
    }
}
