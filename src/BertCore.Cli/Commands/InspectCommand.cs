using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using BertCore.Checkpoints;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore inspect`: loads a model folder and reports what it holds and what loading cost.</summary>
public sealed class InspectCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model", "a model folder", required: true, valueName: "DIR");

    public string Summary => "load a model folder; print its size, heads, load time and memory as JSON";

    public string Notes => """
            Prints one JSON line: layers, hidden, heads, vocab, parameters, layer_norm ("post" or "pre"),
            encoder_linear_bias, transformers_incompatible (why transformers' BertModel cannot run the model, or
            null), heads present (mlm, nsp, pooler),
            weights_bytes (size of model.safetensors, or of pytorch_model.bin when the folder has only that),
            load_seconds, and rss_growth_bytes: how much the process's peak resident memory grew while loading (the
            parameters themselves count; the memory-mapped file is released).
        """;

    public Command Create()
    {
        var command = new Command("inspect", Summary) { _model };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var dir = parse.GetValue(_model)!;
        long rssBefore = ProcessMemory.CurrentResidentBytes();
        var clock = Stopwatch.StartNew();
        using var model = ModelDirectory.LoadPreTraining(dir);
        double seconds = clock.Elapsed.TotalSeconds;
        long growth = ProcessMemory.PeakResidentBytes() - rssBefore;
        var c = model.Config;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            layers = c.NumHiddenLayers, hidden = c.HiddenSize, heads = c.NumAttentionHeads, vocab = c.VocabSize,
            parameters = model.ParameterCount,
            layer_norm = c.LayerNormPosition, encoder_linear_bias = c.EncoderLinearBias,
            transformers_incompatible = c.TransformersIncompatibility,
            mlm = model.Mlm != null, nsp = model.Nsp != null, pooler = model.Bert.Pooler != null,
            weights_bytes = new FileInfo(ModelDirectory.WeightsPath(dir)).Length,
            load_seconds = Math.Round(seconds, 3),
            rss_growth_bytes = growth,
        }));
        return 0;
    }
}
