using BertCore.Inference.Onnx;


namespace BertCore.Cli.Commands;

/// <summary>`bertcore export-onnx`: writes a model folder as one ONNX file (<see cref="OnnxExport"/>).</summary>
public sealed class ExportOnnxCommand : ICommand
{
    public string Name => "export-onnx";
    public string Summary => "export an encoder or a fine-tuned task model to ONNX (Hugging Face input/output names)";
    public string Help => $"""
        Usage: bertcore export-onnx --model DIR --output model.onnx [--opset {OnnxExportOptions.MaxOpset}]

          --model DIR      a model folder: a fine-tuned task model (classify, pair, regress, ner, qa; any pooling,
                           external features or adapters) is exported with its head, any other folder as the encoder
          --output FILE    the ONNX file, written atomically
          --opset N        ONNX operator set, {OnnxExportOptions.MinOpset} to {OnnxExportOptions.MaxOpset} (default {OnnxExportOptions.MaxOpset})

        Inputs: input_ids, attention_mask, token_type_ids (int64 [batch_size, sequence_length]; external_features
        float [batch_size, E] for a model trained with them). Outputs: last_hidden_state (and pooler_output) for an
        encoder; logits for classify, pair, regress and ner; start_logits and end_logits for qa.
        """;

    public int Run(Arguments args)
    {
        var dir = args.Required("model");
        var output = args.Required("output");
        int opset = args.Int("opset", OnnxExportOptions.MaxOpset);
        args.RejectUnknown();
        var summary = OnnxExport.Export(dir, output, new OnnxExportOptions { Opset = opset });
        Console.Error.WriteLine($"wrote {output}: {summary}");
        return 0;
    }
}
