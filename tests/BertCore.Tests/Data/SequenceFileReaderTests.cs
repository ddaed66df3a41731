using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Data;

public class SequenceFileReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Sst2_layout_keeps_trailing_spaces_and_quotes()
    {
        string path = _folder.Write("train.tsv", "sentence\tlabel\nhide new secretions \t0\nsays \"wow\" \t1\n");

        SequenceDataset d = SequenceFileReader.Read(path);

        Assert.Equal("sentence", d.TextColumn);
        Assert.Null(d.PairColumn);
        Assert.Equal("label", d.LabelColumn);
        Assert.Equal([new SequenceExample("hide new secretions ", null, "0", null, 2), new SequenceExample("says \"wow\" ", null, "1", null, 3)], d.Examples);
    }

    [Fact]
    public void Rte_layout_is_a_pair_with_string_labels()
    {
        string path = _folder.Write("dev.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA cat sat.\tA cat exists.\tentailment\r\n");

        SequenceDataset d = SequenceFileReader.Read(path);

        Assert.True(d.IsPair);
        Assert.Equal(new SequenceExample("A cat sat.", "A cat exists.", "entailment", null, 2), Assert.Single(d.Examples));
    }

    [Fact]
    public void Mrpc_raw_layout_with_byte_order_mark()
    {
        string path = _folder.Write("msr.txt", "\uFEFFQuality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t702876\t702977\tHe said \"x\".\tHe said x.\n");

        SequenceDataset d = SequenceFileReader.Read(path);

        Assert.Equal(("#1 String", "#2 String", "Quality"), (d.TextColumn, d.PairColumn, d.LabelColumn));
        Assert.Equal(new SequenceExample("He said \"x\".", "He said x.", "1", null, 2), Assert.Single(d.Examples));
    }

    [Fact]
    public void Stsb_scores_are_parsed_when_numeric()
    {
        string path = _folder.Write("dev.tsv",
            "index\tgenre\tfilename\tyear\told_index\tsource1\tsource2\tsentence1\tsentence2\tscore\n" +
            "0\tmain-captions\tMSRvid\t2012test\t0001\tnone\tnone\tA plane.\tAn air plane.\t3.800\n");

        SequenceDataset d = SequenceFileReader.Read(path, new SequenceReadOptions { LabelKind = LabelKind.Numeric });

        Assert.Equal(new SequenceExample("A plane.", "An air plane.", "3.800", 3.8f, 2), Assert.Single(d.Examples));
    }

    [Fact]
    public void Unlabeled_test_files_read_when_labels_are_not_required()
    {
        string path = _folder.Write("test.tsv", "index\tsentence\n0\tuneasy mishmash .\n");

        SequenceDataset d = SequenceFileReader.Read(path, new SequenceReadOptions { RequireLabels = false });

        Assert.Null(d.LabelColumn);
        Assert.Equal(new SequenceExample("uneasy mishmash .", null, null, null, 2), Assert.Single(d.Examples));
    }

    [Fact]
    public void Csv_quoting_follows_rfc_4180()
    {
        string path = _folder.Write("data.csv",
            "text,label\n" +
            "plain,pos\n" +
            "\"with, comma\",neg\n" +
            "\"say \"\"hi\"\"\",pos\n" +
            "\"two\nlines\",neg\n" +
            "\n" +
            "empty label,\"\"\n");

        SequenceDataset d = SequenceFileReader.Read(path, new SequenceReadOptions { RequireLabels = false });

        Assert.Equal(["plain", "with, comma", "say \"hi\"", "two\nlines", "empty label"], d.Examples.Select(e => e.Text));
        Assert.Equal(["pos", "neg", "pos", "neg", null], d.Examples.Select(e => e.Label));
        Assert.Equal([2, 3, 4, 5, 8], d.Examples.Select(e => e.Line));
    }

    [Theory]
    [InlineData("text,label\n\"open,x\n", 2, "not closed")]
    [InlineData("text,label\nsa\"y,x\n", 2, "inside an unquoted field")]
    [InlineData("text,label\n\"a\"b,x\n", 2, "after a closing quote")]
    [InlineData("text,label\nonly\n", 2, "1 fields where the header has 2")]
    public void Csv_errors_name_the_line(string content, int line, string problem)
    {
        string path = _folder.Write("bad.csv", content);

        var e = Assert.Throws<InvalidFileException>(() => SequenceFileReader.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Jsonl_labels_may_be_numbers_or_strings()
    {
        string path = _folder.Write("data.jsonl",
            "{\"text\": \"good\", \"label\": 1}\n\n{\"text\": \"bad\", \"label\": \"neg\"}\n{\"text\": \"so-so\", \"label\": 2.5}\n");

        SequenceDataset d = SequenceFileReader.Read(path);

        Assert.Equal(["1", "neg", "2.5"], d.Examples.Select(e => e.Label));
        Assert.Equal([1, 3, 4], d.Examples.Select(e => e.Line));
    }

    [Fact]
    public void Jsonl_pairs_and_explicit_field_names()
    {
        string path = _folder.Write("pairs.jsonl",
            "{\"q\": \"a\", \"p\": \"b\", \"y\": true}\n{\"q\": \"c\", \"p\": \"d\", \"y\": false}\n");

        SequenceDataset d = SequenceFileReader.Read(path, new SequenceReadOptions { TextColumn = "q", PairColumn = "p", LabelColumn = "y" });

        Assert.Equal([new SequenceExample("a", "b", "true", null, 1), new SequenceExample("c", "d", "false", null, 2)], d.Examples);
    }

    [Fact]
    public void Jsonl_text_pair_is_detected()
    {
        string path = _folder.Write("pairs.jsonl", "{\"text\": \"a\", \"text_pair\": \"b\", \"label\": 0}\n");

        SequenceDataset d = SequenceFileReader.Read(path);

        Assert.Equal("text_pair", d.PairColumn);
        Assert.Equal("b", d.Examples[0].TextPair);
    }

    [Fact]
    public void Pair_column_can_be_ignored()
    {
        string path = _folder.Write("rte.tsv", "sentence1\tsentence2\tlabel\na\tb\tx\n");

        SequenceDataset d = SequenceFileReader.Read(path, new SequenceReadOptions { PairColumn = "" });

        Assert.False(d.IsPair);
        Assert.Null(d.Examples[0].TextPair);
    }

    [Theory]
    [InlineData("data.tsv", "words\tlabel\na\t1\n", 1, "no sentence column")]
    [InlineData("data.tsv", "sentence\tclass\na\t1\n", 1, "no label column")]
    [InlineData("data.tsv", "sentence\tlabel\na\t1\nb\n", 3, "1 fields where the header has 2")]
    [InlineData("data.tsv", "sentence\tlabel\na\t\n", 2, "missing label")]
    [InlineData("data.tsv", "sentence\tlabel\n", null, "no examples")]
    [InlineData("data.tsv", "", null, "empty file")]
    [InlineData("data.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"text\": \"a\", \"label\": 1\n", 2, "invalid JSON")]
    [InlineData("data.jsonl", "[1]\n", 1, "one JSON object per line")]
    [InlineData("data.jsonl", "{\"text\": 5, \"label\": 1}\n", 1, "must be a string")]
    [InlineData("data.jsonl", "{\"text\": \"a\", \"label\": 1}\n{\"label\": 1}\n", 2, "missing field 'text'")]
    [InlineData("data.jsonl", "{\"text\": \"a\", \"label\": [1]}\n", 1, "must be a string or a number")]
    public void Bad_files_name_file_line_and_problem(string name, string content, int? line, string problem)
    {
        string path = _folder.Write(name, content);

        var e = Assert.Throws<InvalidFileException>(() => SequenceFileReader.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Non_numeric_regression_label_is_an_error()
    {
        string path = _folder.Write("stsb.tsv", "sentence1\tsentence2\tscore\na\tb\t4.0\na\tb\thigh\n");

        var e = Assert.Throws<InvalidFileException>(() => SequenceFileReader.Read(path, new SequenceReadOptions { LabelKind = LabelKind.Numeric }));

        Assert.Equal(3, e.Line);
        Assert.Contains("'high' is not a finite number", e.Problem);
    }

    [Fact]
    public void Named_column_that_is_absent_is_an_error()
    {
        string path = _folder.Write("data.tsv", "sentence\tlabel\na\t1\n");

        var e = Assert.Throws<InvalidFileException>(() => SequenceFileReader.Read(path, new SequenceReadOptions { LabelColumn = "gold" }));

        Assert.Contains("no label column 'gold'", e.Problem);
    }

    [Theory]
    [InlineData("a.csv", TableFormat.Csv)]
    [InlineData("a.JSONL", TableFormat.Jsonl)]
    [InlineData("a.json", TableFormat.Jsonl)]
    [InlineData("a.tsv", TableFormat.Tsv)]
    [InlineData("msr_paraphrase_train.txt", TableFormat.Tsv)]
    public void Format_follows_the_extension(string name, TableFormat format) =>
        Assert.Equal(format, SequenceFileReader.FormatOf(name));

    [Fact]
    public void Missing_file_is_file_not_found() =>
        Assert.Throws<FileNotFoundException>(() => SequenceFileReader.Read(_folder.File("absent.tsv")));

    /// <summary>A minimized fuzz case: an unpaired surrogate escape threw InvalidOperationException from System.Text.Json.</summary>
    [Fact]
    public void Jsonl_unpaired_surrogate_escape_names_the_line()
    {
        string path = _folder.Write("train.jsonl", "{\"text\": \"ok\", \"label\": 0}\n{\"text\":\"\\ud800\",\"label\":1}\n");

        var e = Assert.Throws<InvalidFileException>(() => SequenceFileReader.Read(path));

        Assert.StartsWith($"{path}:2: a JSON string is not valid text", e.Message);
    }
}
