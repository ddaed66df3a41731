using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Data;

public class JsonlTaskReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Tokens_with_and_without_tags()
    {
        string path = _folder.Write("in.jsonl", "{\"tokens\": [\"Empire\", \"State\"], \"tags\": [\"B-location\", \"I-location\"]}\n\n{\"tokens\": [\"hi\"]}\n");

        IReadOnlyList<TaggedSentence> s = JsonlTaskReader.ReadTokens(path);

        Assert.Equal(["Empire", "State"], s[0].Words);
        Assert.Equal(["B-location", "I-location"], s[0].Tags!);
        Assert.Null(s[1].Tags);
        Assert.Equal([1, 3], s.Select(x => x.Line));
    }

    [Theory]
    [InlineData("{\"words\": [\"a\"]}\n", "missing \"tokens\"")]
    [InlineData("{\"tokens\": [\"a\", 1]}\n", "must be an array of strings")]
    [InlineData("{\"tokens\": [\"a\"], \"tags\": [\"O\", \"O\"]}\n", "2 tags for 1 tokens")]
    [InlineData("{\"tokens\": [\"a\"], \"tags\": [\"PER\"]}\n", "tag 'PER' is not IOB")]
    [InlineData("[\"a\"]\n", "one JSON object per line")]
    public void Bad_token_lines(string content, string problem)
    {
        var e = Assert.Throws<InvalidFileException>(() => JsonlTaskReader.ReadTokens(_folder.Write("bad.jsonl", content)));
        Assert.Equal(1, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Questions_with_squad_or_datasets_answers()
    {
        string path = _folder.Write("qa.jsonl",
            "{\"question\": \"Who?\", \"context\": \"Ann met Bob.\"}\n" +
            "{\"id\": \"x\", \"question\": \"Who?\", \"context\": \"Ann met Bob.\", \"answers\": [{\"text\": \"Bob\", \"answer_start\": 8}]}\n" +
            "{\"id\": 7, \"question\": \"Who?\", \"context\": \"Ann met Bob.\", \"answers\": {\"text\": [\"Ann\", \"Bob\"], \"answer_start\": [0, 8]}}\n");

        IReadOnlyList<QaExample> q = JsonlTaskReader.ReadQuestions(path);

        Assert.Equal(["1", "x", "7"], q.Select(e => e.Id));
        Assert.Empty(q[0].Answers);
        Assert.Equal([new QaAnswer("Bob", 8)], q[1].Answers);
        Assert.Equal([new QaAnswer("Ann", 0), new QaAnswer("Bob", 8)], q[2].Answers);
    }

    [Theory]
    [InlineData("{\"context\": \"c\"}\n", "\"question\" must be a string")]
    [InlineData("{\"question\": \"q\", \"context\": \"Ann\", \"answers\": [{\"text\": \"Bob\", \"answer_start\": 0}]}\n", "the context has 'Ann' there")]
    [InlineData("{\"question\": \"q\", \"context\": \"Ann\", \"answers\": {\"text\": [\"Ann\"], \"answer_start\": []}}\n", "1 texts but 0 answer_start")]
    [InlineData("{\"question\": \"q\", \"context\": \"Ann\", \"answers\": [{\"text\": \"Ann\"}]}\n", "answer_start must be an integer")]
    [InlineData("{\"question\": \"q\", \"context\": \"Ann\", \"answers\": \"Ann\"}\n", "\"answers\" must be")]
    public void Bad_question_lines(string content, string problem)
    {
        var e = Assert.Throws<InvalidFileException>(() => JsonlTaskReader.ReadQuestions(_folder.Write("bad.jsonl", content)));
        Assert.Equal(1, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Empty_input_is_an_error() =>
        Assert.Contains("no examples", Assert.Throws<InvalidFileException>(() => JsonlTaskReader.ReadQuestions(_folder.Write("e.jsonl", "\n"))).Problem);

    /// <summary>Minimized fuzz cases: an unpaired surrogate escape, in a value or a name, threw InvalidOperationException from System.Text.Json.</summary>
    [Fact]
    public void Unpaired_surrogate_escapes_name_the_line()
    {
        string tokens = _folder.Write("tokens.jsonl", "{\"tokens\":[\"\"],\"t\\udc00\":[\"\"]}\n");
        string questions = _folder.Write("questions.jsonl", "{\"question\": \"q\", \"context\": \"c\"}\n{\"\":\"\",\"question\":\"\",\"context\":\"\\ud800\"}\n");

        var e = Assert.Throws<InvalidFileException>(() => JsonlTaskReader.ReadTokens(tokens));
        Assert.StartsWith($"{tokens}:1: a JSON string is not valid text", e.Message);
        e = Assert.Throws<InvalidFileException>(() => JsonlTaskReader.ReadQuestions(questions));
        Assert.StartsWith($"{questions}:2: a JSON string is not valid text", e.Message);
    }
}
