using System.CommandLine;
using System.Globalization;
using BertCore.Checkpoints;
using BertCore.Embeddings;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore import`: converts a pretrained model of another format (ONNX, PyTorch) into a model folder.</summary>
public sealed class ImportCommand : ICommand
{
    private readonly Argument<string?> _source = new("SOURCE")
    {
        Description = "a .onnx file: an ONNX export of a BERT encoder (e.g. model.onnx of a sentence-embedding model); the " +
            "configuration is read from its graph; an existing DIR is replaced. Otherwise a Hugging Face folder with config.json " +
            "and pytorch_model.bin (torch.save's zip format, PyTorch >= 1.6), or that .bin file with config.json beside it; read " +
            "by a restricted unpickler that never runs code; an existing, non-empty DIR is refused.",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Option<string> _output = CliOption.Text("--output",
        "the model folder to write: config.json, model.safetensors and vocab.txt; written whole or not at all", required: true, valueName: "DIR");
    private readonly Option<string> _vocab = CliOption.Text("--vocab",
        "ONNX: the WordPiece vocabulary to copy (default: vocab.txt beside SOURCE, when there is one); PyTorch: vocab.txt is " +
        "copied from the source folder", valueName: "FILE");
    private readonly Option<string> _pooling = CliOption.Text("--pooling",
        "make DIR an embedding model: write sentence-transformers' modules.json and 1_Pooling/config.json with this pooling, " +
        "which embed, index and search then use (e.g. mean with --normalize for all-MiniLM-L6-v2)", valueName: "MODE", among: ["mean", "cls", "max"]);
    private readonly Option<bool> _normalize = CliOption.Flag("--normalize", "with --pooling: the embedding model scales its vectors to unit length");

    public string Summary => "convert an ONNX export or a pytorch_model.bin of a BERT model into a model folder";

    public string Notes => "";

    public Command Create()
    {
        var command = new Command("import", Summary) { _source, _output, _vocab, _pooling, _normalize };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var source = parse.GetValue(_source) ?? throw new UsageException("SOURCE (a .onnx file, or a folder or .bin file of PyTorch weights) is required");
        var output = parse.GetValue(_output)!;
        var vocab = parse.GetValue(_vocab);
        var pooling = parse.GetValue(_pooling) is { } mode ? new EmbeddingPooling(EmbeddingPooling.ParseMode(mode), parse.GetValue(_normalize)) : null;
        if (pooling == null && parse.GetValue(_normalize)) throw new UsageException("--normalize goes with --pooling");
        if (ModelImport.IsPyTorchSource(source))
        {
            if (vocab != null) throw new UsageException("--vocab is for ONNX sources: a PyTorch folder's vocab.txt is copied");
            var converted = ModelImport.FromPyTorch(source, output);
            Console.Error.WriteLine($"imported {source}: {converted.Converted.Count} tensors" +
                (converted.Dropped.Count > 0 ? $" (left out: {string.Join(", ", converted.Dropped)})" : ""));
            WritePooling(pooling, output);
            Console.Error.WriteLine($"wrote {output}");
            return 0;
        }

        var result = ModelImport.FromOnnx(source, output, vocab);
        var c = result.Config;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"imported {source}: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, " +
            $"feed-forward {c.IntermediateSize}, vocabulary {c.VocabSize}, {c.MaxPositionEmbeddings} positions, " +
            $"{c.TypeVocabSize} token types, LayerNorm eps {c.LayerNormEps:R}, pooler {(result.HasPooler ? "yes" : "no")}"));
        if (result.Ignored.Count > 0)
            Console.Error.WriteLine($"left out {result.Ignored.Count} initializers that are not part of the encoder: {string.Join(", ", result.Ignored)}");
        Console.Error.WriteLine(result.VocabSource is null
            ? $"wrote {output} without vocab.txt (none beside {source}; pass --vocab FILE)"
            : $"wrote {output} with vocab.txt from {result.VocabSource}");
        WritePooling(pooling, output);
        return 0;
    }

    /// <summary>Makes the imported folder an embedding model when --pooling was given.</summary>
    private static void WritePooling(EmbeddingPooling? pooling, string dir)
    {
        if (pooling == null) return;
        pooling.Write(dir, ModelDirectory.LoadConfig(dir).HiddenSize);
        Console.Error.WriteLine($"wrote {EmbeddingPooling.ModulesFile} and {EmbeddingPooling.PoolingFolder}/config.json: " +
            $"{EmbeddingPooling.Name(pooling.Mode)} pooling, {(pooling.Normalize ? "normalized" : "unnormalized")}");
    }
}
