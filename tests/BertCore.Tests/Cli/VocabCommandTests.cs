using BertCore.Tests.Data;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Cli;

public class VocabCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-vocab-").FullName;
    private readonly string _text;
    private readonly string _json;
    private readonly string _output;

    public VocabCommandTests()
    {
        _text = Path.Combine(_dir, "a.txt");
        _json = Path.Combine(_dir, "b.jsonl");
        _output = Path.Combine(_dir, "vocab.txt");
        List<string> sentences = WordPieceTrainerTests.Sentences(300, seed: 11);
        File.WriteAllLines(_text, sentences.Take(150).Select((s, i) => i % 10 == 9 ? s + "\n" : s));
        File.WriteAllLines(_json, sentences.Skip(150).Select(s => $"{{\"text\": \"{s}\"}}"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Trains_a_vocabulary_on_text_and_jsonl_files_that_the_tokenizer_loads()
    {
        var r = CliRunner.Run("vocab", "--corpus", _text, _json, "--size", "120", "--output", _output);

        Assert.True(r.ExitCode == 0, r.StdErr);
        var tokenizer = BertTokenizer.FromVocabFile(_output);
        Assert.Equal(120, tokenizer.Vocabulary.Count);
        Assert.Equal(Vocabulary.SpecialTokens, tokenizer.Vocabulary.Tokens.Take(5));
        Assert.Equal("the runner was playing", tokenizer.Decode(tokenizer.Encode("The runner was playing").Ids));
        Assert.Contains("120 tokens", r.StdErr);
        Assert.Contains("merging", r.StdErr);
    }

    [Fact]
    public void Options_reach_the_trainer()
    {
        var r = CliRunner.Run("vocab", "--corpus", _text, "--size", "300", "--cased", "--min-frequency", "1000000", "--alphabet-limit", "20", "--output", _output);

        Assert.True(r.ExitCode == 0, r.StdErr);
        string[] tokens = File.ReadAllLines(_output)[5..];
        Assert.Contains("T", tokens);
        Assert.Equal(20, tokens.Count(t => !t.StartsWith("##")));
        Assert.All(tokens, t => Assert.Single(t.TrimStart('#').EnumerateRunes()));
    }

    [Fact]
    public void A_bad_corpus_is_reported_with_file_and_line_and_leaves_no_output()
    {
        File.WriteAllText(_json, "{\"text\": \"fine\"}\n{\"text\": broken}\n");

        var r = CliRunner.Run("vocab", "--corpus", _text, _json, "--size", "200", "--output", _output);

        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{_json}:2: invalid JSON", r.StdErr);
        Assert.False(File.Exists(_output));
    }

    [Theory]
    [InlineData("--size", "100", "--output", "v.txt")]
    [InlineData("--corpus", "a.txt", "--output", "v.txt")]
    [InlineData("--corpus", "a.txt", "--size", "5", "--output", "v.txt")]
    [InlineData("--corpus", "a.txt", "--size", "100", "--output", "v.txt", "--min-frequency", "0")]
    [InlineData("--corpus", "a.txt", "--size", "100", "--output", "v.txt", "--bogus")]
    public void Usage_errors_exit_with_2(params string[] args)
    {
        var r = CliRunner.Run(["vocab", .. args]);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("bertcore vocab: ", r.StdErr);
    }
}
