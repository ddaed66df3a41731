using System.CommandLine;
using System.Diagnostics;
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
    private readonly Option<string> _vocab = CliOption.Text("--vocab", "WordPiece vocabulary (vocab.txt)", required: true, valueName: "PATH");
    private readonly Option<bool> _cased = CliOption.Flag("--cased", "keep case and accents (cased models); default lower-cases and strips accents");
    private readonly Option<string> _input = CliOption.Text("--input", "input JSONL", required: true, valueName: "PATH");
    private readonly Option<string> _output = CliOption.Text("--output",
        "output JSONL (written atomically: a failed run leaves no partial file)", required: true, valueName: "PATH");
    private readonly Option<int> _maxLength = CliOption.Int("--max-length", 512, "longest encoding, special tokens included");
    private readonly Option<string> _truncation = CliOption.Text("--truncation", "how an encoding longer than --max-length is cut",
        fallback: "longest_first", valueName: "MODE", among: ["longest_first", "only_first", "only_second", "none"]);

    public string Summary => "tokenize JSONL texts (and pairs) with a vocab.txt as Hugging Face BertTokenizer does";

    public string Notes => """
            Each input line is {"text": "...", "text_pair": "..."} (text_pair optional); blank lines are skipped.
            Each output line is {"ids", "tokens", "token_type_ids", "offsets"}, special tokens included;
            offsets are [start, end) UTF-16 indices into the line's text or text_pair, [0, 0] for special tokens.
        """;

    public Command Create()
    {
        var command = new Command("tokenize", Summary) { _vocab, _cased, _input, _output, _maxLength, _truncation };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var options = new Options(parse.GetValue(_vocab)!, parse.GetValue(_cased), parse.GetValue(_input)!, parse.GetValue(_output)!,
            parse.GetValue(_maxLength), ParseTruncation(parse.GetValue(_truncation)!));
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
        _ => throw new UnreachableException($"--truncation accepts only its four modes, not '{value}'"),
    };
}
