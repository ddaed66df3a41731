using System.CommandLine;
using BertCore.Embeddings;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore embed</c>: texts in, sentence vectors out; a thin layer over <see cref="EmbeddingFile"/>.</summary>
public sealed class EmbedCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model",
        "a model folder: a bare encoder, a fine-tuned model or an embedding model (modules.json, 1_Pooling/config.json)", required: true, valueName: "DIR");
    private readonly Option<string> _input = CliOption.Text("--input", "texts: one per line, or JSONL when FILE ends in .jsonl", required: true, valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output",
        "vectors (written atomically): JSONL, or a safetensors matrix when FILE ends in .safetensors", required: true, valueName: "FILE");
    private readonly Option<string> _pooling = CliOption.Text("--pooling", "override the folder's pooling (default without one: mean)",
        valueName: "MODE", among: ["mean", "cls", "max"]);
    private readonly Option<bool> _normalize = CliOption.Flag("--normalize", "scale every vector to unit length (default: as the folder says; unnormalized without modules.json)");
    private readonly Option<int> _batch = CliOption.Int("--batch", 32, "texts per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<string> _quantize = CliOption.Quantize();

    public string Summary => "embed texts into sentence vectors (JSONL or a safetensors matrix)";

    public string Notes => """
            Input (by FILE's extension):
              .jsonl  one {"text", "id"?} per line; id a string or number (default: the line number); blank lines skipped
              other   one text per line; id = the line number; a blank line is an error naming it
            Output (by FILE's extension), in input order:
              .safetensors  F32 "embeddings" [N, H]; metadata "ids" (a JSON array) and "model_fingerprint"
              other         JSONL: {"id", "embedding": [H numbers]} per line
            Texts longer than the model's positions are truncated; the count is printed once at the end.
        """;

    public Command Create()
    {
        var command = new Command("embed", Summary) { _model, _input, _output, _pooling, _normalize, _batch, _device, _threads, _quantize };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string model = parse.GetValue(_model)!, input = parse.GetValue(_input)!, output = parse.GetValue(_output)!;
        string? pooling = parse.GetValue(_pooling);
        int batch = parse.GetValue(_batch);
        if (batch < 1) throw new UsageException("--batch must be at least 1");
        var options = new SentenceEmbedderOptions
        {
            Pooling = pooling == null ? null : EmbeddingPooling.ParseMode(pooling),
            Normalize = parse.GetValue(_normalize) ? true : null,
            Backend = CliOption.Backend(parse, _device, _threads),
            Precision = CliOption.Precision(parse.GetValue(_quantize)!),
            BatchSize = batch,
        };
        using var embedder = SentenceEmbedder.Load(model, options);
        int truncated = 0;
        embedder.TextsTruncated += (_, e) => truncated += e.Count;
        bool terminal = !Console.IsOutputRedirected;
        int count = EmbeddingFile.Run(embedder, input, output, terminal ? new TextCountProgress() : null);
        if (terminal) Console.WriteLine();
        if (truncated > 0) Console.Error.WriteLine($"{truncated} texts were longer than {embedder.MaxLength} tokens and were truncated");
        Console.WriteLine($"{count} vectors of {embedder.Dimension} ({EmbeddingPooling.Name(embedder.Pooling.Mode)} pooling, " +
            $"{(embedder.Pooling.Normalize ? "normalized" : "unnormalized")}) written to {output}");
        return 0;
    }
}
