using System.CommandLine;
using BertCore.Checkpoints;
using BertCore.IO.Onnx;
using BertCore.Inference.Onnx;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore export-onnx`: writes a model folder as one ONNX file (<see cref="OnnxExport"/>).</summary>
public sealed class ExportOnnxCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model",
        "a model folder: a fine-tuned task model (classify, pair, regress, ner, qa; any pooling, external features or adapters) " +
        "is exported with its head, any other folder as the encoder", required: true, valueName: "DIR");
    private readonly Option<string> _output = CliOption.Text("--output", "the ONNX file, written atomically", required: true, valueName: "FILE");
    private readonly Option<int> _opset = CliOption.Int("--opset", OnnxExportOptions.MaxOpset,
        $"ONNX operator set, {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset}");

    public string Summary => "export an encoder or a fine-tuned task model to ONNX (Hugging Face input/output names)";

    public string Notes => """
            Inputs: input_ids, attention_mask, token_type_ids (int64 [batch_size, sequence_length]; external_features
            float [batch_size, E] for a model trained with them). Outputs: last_hidden_state (and pooler_output) for an
            encoder; logits for classify, pair, regress and ner; start_logits and end_logits for qa.
        """;

    public Command Create()
    {
        var command = new Command("export-onnx", Summary) { _model, _output, _opset };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string dir = parse.GetValue(_model)!, output = parse.GetValue(_output)!;
        int opset = parse.GetValue(_opset);
        var summary = OnnxExport.Export(dir, output, new OnnxExportOptions { Opset = opset });
        Console.Error.WriteLine($"wrote {output}: {summary}");
        if (ModelDirectory.LoadConfig(dir).TransformersIncompatibility is { } reason)
            Console.Error.WriteLine($"note: {reason}; ONNX Runtime runs the exported graph, but weights handed to transformers would not");
        return 0;
    }
}
