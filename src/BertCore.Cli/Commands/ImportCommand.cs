using System.Globalization;
using BertCore.IO;

namespace BertCore.Cli.Commands;

/// <summary>`bertcore import`: converts a pretrained model of another format (ONNX) into a model folder.</summary>
public sealed class ImportCommand : ICommand
{
    public string Name => "import";
    public string Summary => "convert an ONNX export of a BERT encoder into a model folder";
    public string Help => """
        Usage: bertcore import SOURCE --output DIR [--vocab FILE]

          SOURCE         an ONNX export of a BERT encoder (e.g. model.onnx of a sentence-embedding model); the
                         configuration is read from its graph
          --output DIR   the model folder to write: config.json, model.safetensors (bert.* names, as a BertModel)
                         and vocab.txt; written whole or not at all, an existing folder of that name is replaced
          --vocab FILE   the WordPiece vocabulary to copy (default: vocab.txt beside SOURCE, when there is one)
        """;

    public int Run(Arguments args)
    {
        var source = args.Positional(0) ?? throw new UsageException("SOURCE (the .onnx file) is required");
        var output = args.Required("output");
        var vocab = args.Optional("vocab");
        args.RejectUnknown();

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
        return 0;
    }
}
