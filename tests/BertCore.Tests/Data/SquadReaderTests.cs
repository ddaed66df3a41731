using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Data;

public class SquadReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Squad(string answerJson, string context = "The Panthers gave up 308 points.") =>
        _folder.Write("squad.json",
            "{\"version\": \"1.1\", \"data\": [\n" +
            " {\"title\": \"Panthers\", \"paragraphs\": [\n" +
            "  {\"context\": " + System.Text.Json.JsonSerializer.Serialize(context) + ",\n" +
            "   \"qas\": [\n" +
            "    {\"id\": \"q1\", \"question\": \"How many points?\",\n" +
            "     \"answers\": [\n" +
            "      " + answerJson + "\n" +   // line 7
            "     ]}\n" +
            "   ]}\n" +
            " ]}\n" +
            "]}\n");

    [Fact]
    public void Reads_contexts_questions_and_answers()
    {
        QaDataset d = SquadReader.Read(Squad("{\"answer_start\": 21, \"text\": \"308\"}"));

        QaExample q = Assert.Single(d.Examples);
        Assert.Equal(("q1", "Panthers", "How many points?", 5), (q.Id, q.Title, q.Question, q.Line));
        Assert.Equal(new QaAnswer("308", 21), Assert.Single(q.Answers));
        Assert.Equal("308", q.Context[q.Answers[0].Start..q.Answers[0].End]);
        Assert.Equal((1, 1), (d.Articles, d.Paragraphs));
    }

    [Fact]
    public void A_mismatched_answer_names_its_line_and_what_the_context_holds()
    {
        string path = Squad("{\"answer_start\": 20, \"text\": \"308\"}");

        var e = Assert.Throws<InvalidFileException>(() => SquadReader.Read(path));

        Assert.Equal(7, e.Line);
        Assert.Contains("question 'q1'", e.Problem);
        Assert.Contains("the context has ' 30' there", e.Problem);
        Assert.Contains("the text occurs at 21", e.Problem);
    }

    [Fact]
    public void Mismatched_answers_can_be_dropped_and_listed()
    {
        QaDataset d = SquadReader.Read(Squad("{\"answer_start\": 40, \"text\": \"308\"}"), dropMismatchedAnswers: true);

        Assert.Empty(d.Examples[0].Answers);
        Assert.Contains("runs past the end of the context", Assert.Single(d.DroppedAnswers));
    }

    [Fact]
    public void Answer_start_counts_code_points_as_python_does()
    {
        // "😀" is one code point (Python) but two UTF-16 units (C#): answer_start 2 is UTF-16 index 3.
        QaDataset d = SquadReader.Read(Squad("{\"answer_start\": 2, \"text\": \"308\"}", context: "😀 308 points"));

        Assert.Equal(3, d.Examples[0].Answers[0].Start);
    }

    [Theory]
    [InlineData("{\"answer_start\": \"21\", \"text\": \"308\"}", 7, "answer_start must be an integer")]
    [InlineData("{\"answer_start\": 21}", 7, "missing \"text\"")]
    [InlineData("{\"answer_start\": 21, \"text\": 308}", 7, "\"text\" must be a string")]
    [InlineData("{\"answer_start\": 21, \"text\": \"308\"", 8, "invalid JSON")]
    public void Bad_answers_name_their_line(string answer, int line, string problem)
    {
        string path = Squad(answer);

        var e = Assert.Throws<InvalidFileException>(() => SquadReader.Read(path));

        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void Repeated_question_ids_are_an_error()
    {
        string path = _folder.Write("dup.json",
            "{\"data\": [{\"paragraphs\": [{\"context\": \"x\", \"qas\": [\n" +
            "{\"id\": \"a\", \"question\": \"?\", \"answers\": []},\n" +
            "{\"id\": \"a\", \"question\": \"?\", \"answers\": []}]}]}]}");

        var e = Assert.Throws<InvalidFileException>(() => SquadReader.Read(path));

        Assert.Equal(3, e.Line);
        Assert.Contains("repeats the question on line 2", e.Problem);
    }

    [Fact]
    public void Not_squad_at_all()
    {
        var e = Assert.Throws<InvalidFileException>(() => SquadReader.Read(_folder.Write("x.json", "[1, 2]")));
        Assert.Contains("\"data\" array", e.Problem);

        e = Assert.Throws<InvalidFileException>(() => SquadReader.Read(_folder.Write("y.json", "{\"data\": {}}")));
        Assert.Contains("\"data\" must be an array", e.Problem);
    }
}
