using System.Text.Json;
using BertCore.Tests.Support;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Cli;

public class TokenizeCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-tokenize-").FullName;
    private readonly string _vocab;
    private readonly string _input;
    private readonly string _output;

    public TokenizeCommandTests()
    {
        _vocab = Path.Combine(_dir, "vocab.txt");
        _input = Path.Combine(_dir, "in.jsonl");
        _output = Path.Combine(_dir, "out.jsonl");
        File.WriteAllLines(_vocab, ToyVocab.Tokens);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private JsonElement[] OutputLines() =>
        File.ReadAllLines(_output).Select(l => JsonDocument.Parse(l).RootElement).ToArray();

    private static int[] Ints(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetInt32()).ToArray();

    [Fact]
    public void Writes_ids_tokens_type_ids_and_offsets_per_input_line()
    {
        File.WriteAllLines(_input, ["{\"text\": \"The cat sat.\"}", "", "{\"text\": \"Hello\", \"text_pair\": \"dogs run\"}"]);

        int rc = CliRunner.Run("tokenize", "--vocab", _vocab, "--input", _input, "--output", _output).ExitCode;

        Assert.Equal(0, rc);
        var lines = OutputLines();
        Assert.Equal(2, lines.Length);
        Assert.Equal([2, 5, 6, 7, 14, 3], Ints(lines[0], "ids"));
        Assert.Equal(["[CLS]", "the", "cat", "sat", ".", "[SEP]"], lines[0].GetProperty("tokens").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal([0, 0, 0, 0, 0, 0], Ints(lines[0], "token_type_ids"));
        Assert.Equal("[[0,0],[0,3],[4,7],[8,11],[11,12],[0,0]]", lines[0].GetProperty("offsets").GetRawText());
        Assert.Equal([2, 19, 3, 10, 11, 12, 3], Ints(lines[1], "ids"));
        Assert.Equal([0, 0, 0, 1, 1, 1, 1], Ints(lines[1], "token_type_ids"));
        Assert.Equal("[[0,0],[0,5],[0,0],[0,3],[3,4],[5,8],[0,0]]", lines[1].GetProperty("offsets").GetRawText());
    }

    [Fact]
    public void Cased_max_length_and_truncation_options_reach_the_tokenizer()
    {
        File.WriteAllLines(_input, ["{\"text\": \"Cat cat sat on\", \"text_pair\": null}"]);

        Assert.Equal(0, CliRunner.Run("tokenize", "--vocab", _vocab, "--cased", "--input", _input, "--output", _output, "--max-length", "4").ExitCode);
        Assert.Equal([2, 32, 6, 3], Ints(OutputLines()[0], "ids"));

        Assert.Equal(0, CliRunner.Run("tokenize", "--vocab", _vocab, "--input", _input, "--output", _output, "--max-length", "4", "--truncation", "none").ExitCode);
        Assert.Equal([2, 6, 6, 7, 8, 3], Ints(OutputLines()[0], "ids"));
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"broken", 2, "invalid JSON")]
    [InlineData("{\"text\": \"ok\"}\n\n{\"txt\": \"x\"}", 3, "\"text\" is missing or not a string")]
    [InlineData("{\"text\": \"a\", \"text_pair\": 5}", 1, "\"text_pair\" is not a string")]
    [InlineData("[\"text\"]", 1, "expected a JSON object")]
    public void Input_errors_name_the_file_and_line_and_leave_no_output(string input, int line, string problem)
    {
        File.WriteAllText(_input, input);
        var r = CliRunner.Run("tokenize", "--vocab", _vocab, "--input", _input, "--output", _output);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{_input}:{line}: {problem}", r.StdErr);
        Assert.False(File.Exists(_output));
    }

    [Fact]
    public void A_bad_vocabulary_is_reported_with_its_path()
    {
        File.WriteAllText(_vocab, "[PAD]\n[UNK]\n");
        File.WriteAllText(_input, "{\"text\": \"x\"}");
        var r = CliRunner.Run("tokenize", "--vocab", _vocab, "--input", _input, "--output", _output);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{_vocab}: required special token [CLS] is missing", r.StdErr);
    }

    [Theory]
    [InlineData("--input", "in.jsonl", "--output", "out.jsonl")]
    [InlineData("--vocab", "v.txt", "--input", "in.jsonl", "--output", "out.jsonl", "--truncation", "sideways")]
    [InlineData("--vocab", "v.txt", "--input", "in.jsonl", "--output", "out.jsonl", "--max-length", "0")]
    [InlineData("--vocab", "v.txt", "--input", "in.jsonl", "--output", "out.jsonl", "--bogus")]
    [InlineData("--vocab")]
    public void Usage_errors_exit_with_2(params string[] args)
    {
        var r = CliRunner.Run(["tokenize", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("bertcore tokenize: ", r.StdErr);
    }
}
