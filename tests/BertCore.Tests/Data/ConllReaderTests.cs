using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Data;

public class ConllReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // CoNLL-2003 layout: -DOCSTART-, four space-separated columns, IOB1 tags.
    private const string Conll2003 =
        "-DOCSTART- -X- O O\n" +
        "\n" +
        "EU NNP I-NP I-ORG\n" +
        "rejects VBZ I-VP O\n" +
        "German JJ I-NP I-MISC\n" +
        "British JJ I-NP B-MISC\n" +   // IOB1 B-: a second MISC right after the first
        "lamb NN I-NP O\n" +
        "\n" +
        "Peter NNP I-NP I-PER\n" +
        "Blackburn NNP I-NP I-PER\n" +
        "\n" +
        "-DOCSTART- -X- O O\n" +
        "\n" +
        "Bonn NNP I-NP I-LOC\n" +
        "Paris NNP I-NP I-PER\n";      // a type change starts a new entity

    [Fact]
    public void Conll2003_iob1_becomes_iob2_and_docstart_is_not_a_word()
    {
        ConllDataset d = ConllReader.Read(_folder.Write("eng.train", Conll2003));

        Assert.Equal(2, d.Documents);
        Assert.Equal(3, d.Sentences.Count);
        Assert.Equal(["EU", "rejects", "German", "British", "lamb"], d.Sentences[0].Words);
        Assert.Equal(["B-ORG", "O", "B-MISC", "B-MISC", "O"], d.Sentences[0].Tags);
        Assert.Equal(["B-PER", "I-PER"], d.Sentences[1].Tags);
        Assert.Equal(["B-LOC", "B-PER"], d.Sentences[2].Tags);
        Assert.Equal([3, 9, 14], d.Sentences.Select(s => s.Line));
        Assert.Equal(5, d.ConvertedTags); // EU, German, Peter, Bonn, Paris
        Assert.Equal(9, d.WordCount);
    }

    [Fact]
    public void Conversion_can_be_turned_off()
    {
        ConllDataset d = ConllReader.Read(_folder.Write("eng.train", Conll2003), convertToIob2: false);

        Assert.Equal(["I-ORG", "O", "I-MISC", "B-MISC", "O"], d.Sentences[0].Tags);
        Assert.Equal(0, d.ConvertedTags);
    }

    [Fact]
    public void Iob2_input_is_unchanged()
    {
        string[] tags = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-LOC"];
        string[] copy = (string[])tags.Clone();

        Assert.Equal(0, IobTags.Iob1ToIob2(tags));
        Assert.Equal(copy, tags);
    }

    [Fact]
    public void Wnut_tab_only_lines_separate_sentences()
    {
        string text = "@paulwalk\tO\nEmpire\tB-location\nState\tI-location\n\t\nESB\tB-location\n \t \n\nnew\tO\nsong\tB-creative-work\n";

        ConllDataset d = ConllReader.Read(_folder.Write("wnut17train.conll", text));

        Assert.Equal(3, d.Sentences.Count);
        Assert.Equal(0, d.Documents);
        Assert.Equal(["@paulwalk", "Empire", "State"], d.Sentences[0].Words);
        Assert.Equal(["ESB"], d.Sentences[1].Words);
        Assert.Equal(["O", "B-creative-work"], d.Sentences[2].Tags);
        Assert.Equal(["B-creative-work", "B-location", "I-location", "O"], d.Labels().Labels);
        Assert.Equal(0, d.ConvertedTags);
    }

    [Theory]
    [InlineData("EU NNP I-NP I-ORG\nrejects\n", 2, "has no tag")]
    [InlineData("EU I-ORG\nrejects X-VERB\n", 2, "tag 'X-VERB' is not IOB")]
    [InlineData("EU B-\n", 1, "tag 'B-' is not IOB")]
    [InlineData("-DOCSTART- -X- O O\n\n", null, "no sentences")]
    public void Bad_files_name_file_line_and_problem(string content, int? line, string problem)
    {
        string path = _folder.Write("bad.conll", content);

        var e = Assert.Throws<InvalidFileException>(() => ConllReader.Read(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
    }
}
