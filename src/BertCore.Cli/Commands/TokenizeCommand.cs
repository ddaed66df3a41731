using System.Text.Encodings.Web;
using System.Text.Json;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Cli.Commands;

/// <summary>
/// <c>bertcore tokenize</c>: encodes a JSONL file of texts (and optional pairs) with <see cref="BertTokenizer"/>
/// and writes one JSONL line of ids, tokens, token type ids and offsets per input line.
/// </summary>
public sealed class TokenizeCommand : ICommand
{
    public string Name => "tokenize";
    public string Summary => "tokenize JSONL texts (and pairs) with a vocab.txt as Hugging Face BertTokenizer does";
    public string Help => """
        Usage: bertcore tokenize --vocab vocab.txt --input in.jsonl --output out.jsonl [options]

        Each input line is {"text": "...", "text_pair": "..."} (text_pair optional); blank lines are skipped.
        Each output line is {"ids", "tokens", "token_type_ids", "offsets"}, special tokens included;
        offsets are [start, end) UTF-16 indices into the line's text or text_pair, [0, 0] for special tokens.

        Options:
          --vocab PATH         WordPiece vocabulary (vocab.txt)
          --cased              keep case and accents (cased models); default lower-cases and strips accents
          --input PATH         input JSONL
          --output PATH        output JSONL (written atomically: a failed run leaves no partial file)
          --max-length N       longest encoding, special tokens included (default 512)
          --truncation MODE    longest_first (default), only_first, only_second or none
        """;

    public int Run(Arguments args)
    {
        var options = new Options(
            args.Required("vocab"), args.Flag("cased"), args.Required("input"), args.Required("output"),
            args.Int("max-length", 512), ParseTruncation(args.Optional("truncation") ?? "longest_first"));
        args.RejectUnknown();
        if (options.MaxLength < 1) throw new UsageException("--max-length must be a positive integer");
        var tokenizer = BertTokenizer.FromVocabFile(options.Vocab, lowercase: !options.Cased);
        int count = 0;
        AtomicFile.Write(options.Output, stream => count = Tokenize(tokenizer, options, stream));
        Console.Error.WriteLine($"bertcore tokenize: {count} encodings written to {options.Output}");
        return 0;
    }

    private sealed record Options(string Vocab, bool Cased, string Input, string Output, int MaxLength, Truncation Truncation);

    /// <summary>Encodes every non-blank input line into <paramref name="output"/>; returns how many.</summary>
    private static int Tokenize(BertTokenizer tokenizer, Options options, Stream output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        int lineNumber = 0, count = 0;
        foreach (string line in File.ReadLines(options.Input))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
                continue;
            (string text, string? pair) = ParseLine(line, options.Input, lineNumber);
            Encoding encoding;
            try
            {
                encoding = tokenizer.Encode(text, pair, options.MaxLength, options.Truncation);
            }
            catch (ArgumentException e)
            {
                throw new InvalidFileException(options.Input, lineNumber, e.Message);
            }
            Write(writer, encoding);
            writer.Reset();
            output.WriteByte((byte)'\n');
            count++;
        }
        return count;
    }

    private static (string Text, string? Pair) ParseLine(string line, string path, int lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new InvalidFileException(path, lineNumber, "expected a JSON object with \"text\"");
            if (!root.TryGetProperty("text", out JsonElement text) || text.ValueKind != JsonValueKind.String)
                throw new InvalidFileException(path, lineNumber, "\"text\" is missing or not a string");
            string? pair = null;
            if (root.TryGetProperty("text_pair", out JsonElement pairElement) && pairElement.ValueKind != JsonValueKind.Null)
                pair = pairElement.ValueKind == JsonValueKind.String
                    ? pairElement.GetString()
                    : throw new InvalidFileException(path, lineNumber, "\"text_pair\" is not a string");
            return (text.GetString()!, pair);
        }
        catch (JsonException e)
        {
            throw new InvalidFileException(path, lineNumber, "invalid JSON: " + e.Message);
        }
    }

    private static void Write(Utf8JsonWriter writer, Encoding encoding)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("ids");
        foreach (int id in encoding.Ids)
            writer.WriteNumberValue(id);
        writer.WriteEndArray();
        writer.WriteStartArray("tokens");
        foreach (string token in encoding.Tokens)
            writer.WriteStringValue(token);
        writer.WriteEndArray();
        writer.WriteStartArray("token_type_ids");
        foreach (int typeId in encoding.TypeIds)
            writer.WriteNumberValue(typeId);
        writer.WriteEndArray();
        writer.WriteStartArray("offsets");
        foreach ((int start, int end) in encoding.Offsets)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(start);
            writer.WriteNumberValue(end);
            writer.WriteEndArray();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    private static Truncation ParseTruncation(string value) => value switch
    {
        "longest_first" => Truncation.LongestFirst,
        "only_first" => Truncation.OnlyFirst,
        "only_second" => Truncation.OnlySecond,
        "none" => Truncation.None,
        _ => throw new UsageException($"--truncation must be longest_first, only_first, only_second or none, not '{value}'"),
    };
}
