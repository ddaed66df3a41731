using BertCore.Data;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Data;

public class CorpusReaderTests
{
    private static string[][] Sentences(IEnumerable<CorpusDocument> documents) =>
        documents.Select(d => d.Sentences.ToArray()).ToArray();

    [Fact]
    public void Plain_text_has_a_sentence_per_line_and_blank_lines_between_documents()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.txt");
        File.WriteAllText(path, "\uFEFFFirst one.\r\nSecond one.\r\n\r\n  \t\nOther doc.\n\n\nLast doc, no newline");

        var documents = CorpusReader.Read([path]).ToArray();

        Assert.Equal([["First one.", "Second one."], ["Other doc."], ["Last doc, no newline"]], Sentences(documents));
        Assert.Equal([1, 5, 8], documents.Select(d => d.Line));
        Assert.All(documents, d => Assert.Equal(path, d.Path));
    }

    [Fact]
    public void Json_lines_are_documents_split_into_sentences_at_line_breaks()
    {
        using var dir = new TempFolder();
        string path = dir.File("a.jsonl");
        File.WriteAllLines(path, [
            "{\"text\": \"One.\\nTwo.\\r\\nThree.\\rFour.\", \"id\": 7}",
            "",
            "{\"text\": \"No line break here.\"}",
            "{\"text\": \" \\n \"}",
            "{\"text\": \"Ünïcödé\\n\\nafter blank\"}",
        ]);

        var documents = CorpusReader.Read([path]).ToArray();

        Assert.Equal([["One.", "Two.", "Three.", "Four."], ["No line break here."], ["Ünïcödé", "after blank"]], Sentences(documents));
        Assert.Equal([1, 3, 5], documents.Select(d => d.Line));
    }

    [Fact]
    public void Several_files_are_read_in_order_and_the_format_follows_the_extension_unless_given()
    {
        using var dir = new TempFolder();
        string text = dir.File("a.txt"), json = dir.File("b.JSONL"), other = dir.File("c.data");
        File.WriteAllText(text, "plain\n");
        File.WriteAllText(json, "{\"text\": \"json\"}\n");
        File.WriteAllText(other, "{\"text\": \"json too\"}\n");

        Assert.Equal([["plain"], ["json"], ["{\"text\": \"json too\"}"]], Sentences(CorpusReader.Read([text, json, other])));
        Assert.Equal([["json too"]], Sentences(CorpusReader.Read([other], CorpusFormat.JsonLines)));
        Assert.Equal([["{\"text\": \"json\"}"]], Sentences(CorpusReader.Read([json], CorpusFormat.PlainText)));
    }

    [Theory]
    [InlineData("a.txt")]
    [InlineData("a.jsonl")]
    public void Invalid_utf8_is_reported_with_file_and_line(string name)
    {
        using var dir = new TempFolder();
        string path = dir.File(name);
        byte[] good = "{\"text\": \"fine\"}\n"u8.ToArray();
        byte[] bad = [.. "{\"text\": \"bad "u8, 0xC3, 0x28, .. "\"}\n"u8]; // 0xC3 needs a continuation byte
        File.WriteAllBytes(path, [.. good, .. good, .. bad]);

        var e = Assert.Throws<InvalidFileException>(() => CorpusReader.Read([path]).ToArray());

        Assert.Equal(path, e.Path);
        Assert.Equal(3, e.Line);
        Assert.Equal("invalid UTF-8 (byte 14 of the line)", e.Problem);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"broken\n", 2, "invalid JSON")]
    [InlineData("{\"text\": \"ok\"}\n\n{\"txt\": \"x\"}\n", 3, "\"text\" is missing or not a string")]
    [InlineData("{\"text\": 5}\n", 1, "\"text\" is missing or not a string")]
    [InlineData("[\"text\"]\n", 1, "expected a JSON object")]
    public void Bad_json_lines_are_reported_with_file_and_line(string content, int line, string problem)
    {
        using var dir = new TempFolder();
        string path = dir.File("bad.jsonl");
        File.WriteAllText(path, content);

        var e = Assert.Throws<InvalidFileException>(() => CorpusReader.Read([path]).ToArray());

        Assert.Equal($"{path}:{line}", $"{e.Path}:{e.Line}");
        Assert.StartsWith(problem, e.Problem);
    }

    [Fact]
    public void An_empty_corpus_is_an_error_naming_the_files()
    {
        using var dir = new TempFolder();
        string a = dir.File("a.txt"), b = dir.File("b.jsonl");
        File.WriteAllText(a, "\n \n\r\n");
        File.WriteAllText(b, "{\"text\": \"\"}\n");

        var e = Assert.Throws<ArgumentException>(() => CorpusReader.Read([a, b]).ToArray());

        Assert.Contains("holds no text", e.Message);
        Assert.Contains(a, e.Message);
        Assert.Contains(b, e.Message);
    }

    [Fact]
    public void A_missing_file_is_reported_before_anything_is_read()
    {
        using var dir = new TempFolder();
        string a = dir.File("a.txt"), missing = dir.File("missing.txt");
        File.WriteAllText(a, "text\n");

        var e = Assert.Throws<FileNotFoundException>(() => CorpusReader.Read([a, missing]));
        Assert.Equal(missing, e.FileName);
    }

    /// <summary>A minimized fuzz case: an unpaired surrogate escape threw InvalidOperationException from System.Text.Json.</summary>
    [Fact]
    public void Json_lines_unpaired_surrogate_escape_names_the_line()
    {
        using var dir = new TempFolder();
        string path = dir.File("c.jsonl");
        File.WriteAllText(path, "{\"text\": \"fine\"}\n{\"text\":\"\\ud800\",\"\":8}\n");

        var e = Assert.Throws<InvalidFileException>(() => CorpusReader.Read([path]).ToArray());

        Assert.StartsWith($"{path}:2: a JSON string is not valid text", e.Message);
    }
}
