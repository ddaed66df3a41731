using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Data;

/// <summary>Bi-encoder training files: scored pairs, anchors with positives and hard negatives, and the errors of
/// bad rows (each naming the file and line).</summary>
public class SimilarityFileReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Stsb_layout_reads_as_scored_pairs()
    {
        var path = _folder.Write("stsb.tsv", "index\tgenre\tsentence1\tsentence2\tscore\n0\tx\tA plane is taking off.\tAn air plane is taking off.\t5.000\n1\tx\tA man.\tA dog.\t0.4\n");
        var d = SimilarityFileReader.Read(path);
        Assert.True(d.Scored);
        Assert.False(d.HasNegatives);
        Assert.Equal([new SimilarityExample("A plane is taking off.", "An air plane is taking off.", null, 5f, 2), new SimilarityExample("A man.", "A dog.", null, 0.4f, 3)], d.Examples);
    }

    [Fact]
    public void Triplets_read_from_tsv_and_jsonl_alike()
    {
        var tsv = _folder.Write("t.tsv", "anchor\tpositive\tnegative\nq1\tp1\tn1\nq2\tp2\tn2\n");
        var jsonl = _folder.Write("t.jsonl", "{\"anchor\": \"q1\", \"positive\": \"p1\", \"negative\": \"n1\"}\n\n{\"anchor\": \"q2\", \"positive\": \"p2\", \"negative\": \"n2\"}\n");
        var a = SimilarityFileReader.Read(tsv);
        var b = SimilarityFileReader.Read(jsonl);
        Assert.False(a.Scored);
        Assert.True(a.HasNegatives);
        Assert.Equal(a.Examples.Select(e => (e.Anchor, e.Positive, e.Negative)), b.Examples.Select(e => (e.Anchor, e.Positive, e.Negative)));
        Assert.Equal([1, 3], b.Examples.Select(e => e.Line));
    }

    [Theory]
    [InlineData("a.tsv", "query\tother\nq\tp\n", 1, "has no second-sentence column")]
    [InlineData("b.tsv", "sentence1\tsentence2\tscore\nq\tp\t4\nq\tp\thigh\n", 3, "score 'high' is not a finite number")]
    [InlineData("c.tsv", "sentence1\tsentence2\tscore\nq\tp\t4\nq\tp\n", 3, "2 fields where the header has 3")]
    [InlineData("d.tsv", "anchor\tpositive\nq\t \n", 2, "the second sentence is missing or empty")]
    [InlineData("e.tsv", "anchor\tpositive\tnegative\tscore\nq\tp\tn\t1\n", 2, "has both a score and a hard negative")]
    [InlineData("f.jsonl", "{\"anchor\": \"q\", \"positive\": \"p\"}\n{\"anchor\": \"q\"}\n", 2, "the second sentence is missing or empty")]
    [InlineData("g.jsonl", "{\"anchor\": \"q\", \"positive\": [1]}\n", 1, "field 'positive' must be a string or a number")]
    public void Bad_rows_name_the_file_and_line(string name, string text, int line, string problem)
    {
        var path = _folder.Write(name, text);
        var e = Assert.Throws<InvalidFileException>(() => SimilarityFileReader.Read(path));
        Assert.StartsWith($"{path}:{line}: ", e.Message);
        Assert.Contains(problem, e.Message);
    }

    [SharedDataFact]
    public void Shared_stsb_train_and_dev_are_scored_pairs()
    {
        var train = SimilarityFileReader.Read(SharedData.File("pairs", "stsb", "train.tsv"));
        var dev = SimilarityFileReader.Read(SharedData.File("pairs", "stsb", "dev.tsv"));
        Assert.Equal((5749, 1500), (train.Examples.Count, dev.Examples.Count));
        Assert.True(train.Scored && dev.Scored);
        Assert.Equal(("A plane is taking off.", "An air plane is taking off.", 5f), (train.Examples[0].Anchor, train.Examples[0].Positive, train.Examples[0].Score));
    }
}
