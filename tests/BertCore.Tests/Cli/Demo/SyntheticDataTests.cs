using System.Text.Json;
using BertCore.Demo;
using Xunit;

namespace BertCore.Tests.Demo;

public class SyntheticDataTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-synthetic-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_same_seed_writes_the_same_bytes_and_another_seed_differs()
    {
        var a = SyntheticData.Write(Path.Combine(_dir, "a"), seed: 3, corpusDocuments: 50, classifyTrain: 40, nerTrain: 40, qaTrain: 40);
        var b = SyntheticData.Write(Path.Combine(_dir, "b"), seed: 3, corpusDocuments: 50, classifyTrain: 40, nerTrain: 40, qaTrain: 40);
        var c = SyntheticData.Write(Path.Combine(_dir, "c"), seed: 4, corpusDocuments: 50, classifyTrain: 40, nerTrain: 40, qaTrain: 40);
        Assert.Equal(File.ReadAllBytes(a.Corpus), File.ReadAllBytes(b.Corpus));
        Assert.Equal(File.ReadAllBytes(a.QaTrain), File.ReadAllBytes(b.QaTrain));
        Assert.NotEqual(File.ReadAllBytes(a.Corpus), File.ReadAllBytes(c.Corpus));
    }

    [Fact]
    public void Every_qa_answer_is_at_its_offset_and_every_ner_tag_is_iob2()
    {
        var files = SyntheticData.Write(_dir, corpusDocuments: 20, classifyTrain: 20, nerTrain: 60, qaTrain: 60);
        using var qa = JsonDocument.Parse(File.ReadAllText(files.QaTrain));
        int answers = 0;
        foreach (var article in qa.RootElement.GetProperty("data").EnumerateArray())
            foreach (var paragraph in article.GetProperty("paragraphs").EnumerateArray())
            {
                var context = paragraph.GetProperty("context").GetString()!;
                foreach (var q in paragraph.GetProperty("qas").EnumerateArray())
                    foreach (var answer in q.GetProperty("answers").EnumerateArray())
                    {
                        var text = answer.GetProperty("text").GetString()!;
                        Assert.Equal(text, context.Substring(answer.GetProperty("answer_start").GetInt32(), text.Length));
                        answers++;
                    }
            }
        Assert.Equal(60, answers);

        string previous = "O";
        foreach (var line in File.ReadLines(files.NerTrain))
        {
            if (line.Length == 0) { previous = "O"; continue; }
            var tag = line.Split('\t')[1];
            if (tag.StartsWith("I-")) Assert.EndsWith(tag[2..], previous);
            previous = tag;
        }
        var header = File.ReadLines(files.ClassifyTrain).First();
        Assert.Equal("sentence\tlabel", header);
    }
}
