using BertCore.Embeddings;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary><see cref="EmbeddingInputs"/>: the two input formats of <c>bertcore embed</c>, and errors naming file and line.</summary>
public class EmbeddingInputsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string text)
    {
        string path = _temp.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Text_lines_are_texts_with_their_line_numbers_as_ids()
    {
        var inputs = EmbeddingInputs.Read(Write("texts.txt", "A man is playing a guitar.\r\n{\"text\": \"not JSON here\"}\n  padded  \n"));
        Assert.Equal(
            [new EmbeddingInput("1", "A man is playing a guitar.", 1), new EmbeddingInput("2", "{\"text\": \"not JSON here\"}", 2), new EmbeddingInput("3", "  padded  ", 3)],
            inputs);
    }

    [Fact]
    public void Jsonl_lines_give_text_and_id_and_blank_lines_are_skipped()
    {
        var inputs = EmbeddingInputs.Read(Write("texts.JSONL", "{\"id\": \"q1\", \"text\": \"first\"}\n\n{\"text\": \"second\", \"extra\": 1}\n{\"id\": 7, \"text\": \"third\"}\n"));
        Assert.Equal([new EmbeddingInput("\"q1\"", "first", 1), new EmbeddingInput("3", "second", 3), new EmbeddingInput("7", "third", 4)], inputs);
    }

    [Theory]
    [InlineData("texts.txt", "first\n\nthird\n", 2, "empty line: every line is one text to embed")]
    [InlineData("texts.txt", "first\n \t \n", 2, "empty line")]
    [InlineData("texts.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"id\": 3, \"sentence\": \"c\"}\n", 3, "needs a string field \"text\"")]
    [InlineData("texts.jsonl", "{\"text\": 5}\n", 1, "needs a string field \"text\"")]
    [InlineData("texts.jsonl", "{\"text\": \"a\"}\n{\"text\": \"  \"}\n", 2, "\"text\" is empty")]
    [InlineData("texts.jsonl", "{\"text\": \"a\", \"id\": [1]}\n", 1, "\"id\" must be a string or a number")]
    [InlineData("texts.jsonl", "{\"text\": \"a\"}\n[\"b\"]\n", 2, "expected one JSON object per line")]
    [InlineData("texts.jsonl", "{\"text\": \"a\"\n", 1, "invalid JSON")]
    public void Bad_input_is_an_error_naming_file_and_line(string name, string text, int line, string problem)
    {
        string path = Write(name, text);
        var e = Assert.Throws<InvalidFileException>(() => EmbeddingInputs.Read(path));
        Assert.Equal((path, line), (e.Path, e.Line));
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void A_file_without_texts_is_an_error() =>
        Assert.Contains("no texts to embed", Assert.Throws<InvalidFileException>(() => EmbeddingInputs.Read(Write("empty.jsonl", "\n\n"))).Message);
}
