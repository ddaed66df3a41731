using System.CommandLine;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using BertCore.Embeddings;
using BertCore.IO;

namespace BertCore.Cli.Commands;

/// <summary><c>bertcore search</c>: exact top-k over a vector index; a thin layer over <see cref="SemanticSearch.Search"/>.</summary>
public sealed class SearchCommand : ICommand
{
    private readonly Option<string> _index = CliOption.Text("--index", "an index folder written by bertcore index", required: true, valueName: "INDEX");
    private readonly Option<string> _query = CliOption.Text("--query", "one query; the hits are printed as a table", valueName: "TEXT");
    private readonly Option<string> _queries = CliOption.Text("--queries", "many queries: text lines or JSONL {\"text\", \"id\"?}; the hits go out as JSONL",
        valueName: "FILE");
    private readonly Option<string> _output = CliOption.Text("--output", "with --queries: write the JSONL hits here (atomically) instead of to the console",
        valueName: "FILE");
    private readonly Option<int> _k = CliOption.Int("-k", 10, "hits per query", "K");
    private readonly Option<string> _model = CliOption.Text("--model", "the model folder (default: the one recorded in the index)", valueName: "DIR");
    private readonly Option<int> _batch = CliOption.Int("--batch", 32, "queries per forward pass", "B");
    private readonly Option<string> _device = CliOption.Device();
    private readonly Option<int> _threads = CliOption.Threads();
    private readonly Option<string> _quantize = CliOption.Quantize();

    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Summary => "find the documents of a vector index closest to a query (exact top-k)";

    public string Notes => """
            Scores are dot products of the query's vector with the stored vectors: cosine similarities for a normalized
            model. Ties are broken by id (ordinal order). The query is embedded by the index's model: a model with another
            fingerprint (weights, pooling, normalization or --quantize) is refused.
            --queries writes one line per query: {"id", "query", "hits": [{"id", "score", "text"}, ...]}.
        """;

    public Command Create()
    {
        var command = new Command("search", Summary) { _index, _query, _queries, _output, _k, _model, _batch, _device, _threads, _quantize };
        command.SetAction(Run);
        return command;
    }

    /// <summary>The embedder of `index` and `search`, with the command line's batch size, device, threads and precision.</summary>
    internal static SentenceEmbedder LoadEmbedder(ParseResult parse, string model, Option<int> batch, Option<string> device, Option<int> threads,
        Option<string> quantize)
    {
        if (parse.GetValue(batch) < 1) throw new UsageException("--batch must be at least 1");
        return SentenceEmbedder.Load(model, new SentenceEmbedderOptions
        {
            BatchSize = parse.GetValue(batch),
            Backend = CliOption.Backend(parse, device, threads),
            Precision = CliOption.Precision(parse.GetValue(quantize)!),
        });
    }

    private int Run(ParseResult parse)
    {
        string? query = parse.GetValue(_query), queries = parse.GetValue(_queries), output = parse.GetValue(_output);
        if ((query == null) == (queries == null)) throw new UsageException("give either --query TEXT or --queries FILE");
        if (output != null && queries == null) throw new UsageException("--output goes with --queries");
        int k = parse.GetValue(_k);
        if (k < 1) throw new UsageException("-k must be at least 1");
        using var index = VectorIndex.Open(parse.GetValue(_index)!);
        string model = parse.GetValue(_model) ?? index.ModelPath
            ?? throw new UsageException($"{index.Folder} does not record its model folder: give --model DIR");
        using var embedder = LoadEmbedder(parse, model, _batch, _device, _threads, _quantize);
        if (query != null)
        {
            var hits = index.Search(embedder, [query], k)[0];
            for (int i = 0; i < hits.Count; i++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{i + 1,3}  {hits[i].Score,7:F4}  {hits[i].Id}  {hits[i].Text}"));
            return 0;
        }
        var inputs = EmbeddingInputs.Read(queries!);
        var results = index.Search(embedder, inputs.Select(i => i.Text).ToArray(), k);
        var lines = inputs.Select((input, q) => JsonSerializer.Serialize(new
        {
            id = input.Id,
            query = input.Text,
            hits = results[q].Select(h => new { id = h.Id, score = h.Score, text = h.Text }),
        }, Json));
        if (output == null) foreach (var line in lines) Console.WriteLine(line);
        else AtomicFile.Write(output, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true) { NewLine = "\n" };
            foreach (var line in lines) writer.WriteLine(line);
        });
        return 0;
    }
}
