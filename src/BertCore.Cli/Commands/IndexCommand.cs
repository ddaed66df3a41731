using System.CommandLine;
using BertCore.Embeddings;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore index</c>: a corpus embedded once into a vector index; a thin layer over <see cref="SemanticSearch.IndexCorpus"/>.</summary>
public sealed class IndexCommand : ICommand
{
    private readonly Option<string> _model = CliOption.Text("--model", "the embedding model folder (as for bertcore embed)", required: true, valueName: "DIR");
    private readonly Option<string> _corpus = CliOption.Text("--corpus", "documents: one text per line, or JSONL {\"text\", \"id\"?} when FILE ends in .jsonl",
        required: true, valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output", "the index folder: created when absent, extended when it holds an index of the same model",
        required: true, valueName: "INDEX");
    private readonly Option<string> _precision = CliOption.Text("--precision", "how a new index stores its vectors: fp32, or int8 with one scale per row (a quarter of the memory)",
        fallback: "fp32", valueName: "P", among: ["fp32", "int8"]);
    private readonly Option<int> _batch = CliOption.Int("--batch", 32, "texts per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<string> _quantize = CliOption.Quantize();

    public string Summary => "embed a corpus into a vector index for bertcore search (or add documents to one)";

    public string Notes => """
            The index folder holds index.json (the model's fingerprint, dimension, count, precision), the vectors in a
            safetensors file read through a memory map, and documents-*.jsonl ({"id", "text"}). Ids must be unique across
            the index. An existing index is rewritten atomically with the new documents: a killed run leaves it as it was.
        """;

    public Command Create()
    {
        var command = new Command("index", Summary) { _model, _corpus, _output, _precision, _batch, _device, _threads, _quantize };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        string output = parse.GetValue(_output)!;
        using var embedder = SearchCommand.LoadEmbedder(parse, parse.GetValue(_model)!, _batch, _device, _threads, _quantize);
        bool terminal = !Console.IsOutputRedirected;
        int before = 0;
        if (Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any())
        {
            using var existing = VectorIndex.Open(output);
            before = existing.Count;
            if (parse.Given(_precision) && existing.Precision != VectorPrecisions.Parse(parse.GetValue(_precision)!))
                throw new UsageException($"{output} stores {existing.Precision.Name()} vectors; --precision cannot change an existing index");
        }
        using var index = SemanticSearch.IndexCorpus(embedder, parse.GetValue(_corpus)!, output,
            VectorPrecisions.Parse(parse.GetValue(_precision)!)!.Value, terminal ? new TextCountProgress() : null);
        if (terminal) Console.WriteLine();
        Console.WriteLine($"{index.Count - before} documents added to {output}: {index.Count} in all, {index.Dimension}-dimensional {index.Precision.Name()} vectors");
        return 0;
    }
}
