using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Metrics;

/// <summary>
/// <see cref="SquadV1"/> against the official evaluate-v1.1.py: tools/reference/squad_v1_eval.py (the official
/// functions, transcribed) scored the hand-made cases in fixtures/squad and wrote what it got.
/// </summary>
public class SquadOfficialScriptTests
{
    private static readonly JsonElement Expected = JsonDocument.Parse(File.ReadAllText(Fixtures.Path("squad", "expected.json"))).RootElement;

    private static Dictionary<string, string> Predictions() =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(Fixtures.Path("squad", "predictions.json")))!;

    [Fact]
    public void Totals_equal_the_official_script_to_the_last_bit()
    {
        QaDataset dataset = SquadReader.Read(Fixtures.Path("squad", "dataset.json"));
        var references = dataset.Examples.Select(e => (e.Id, (IReadOnlyList<string>)e.Answers.Select(a => a.Text).ToArray())).ToArray();

        SquadScores s = SquadV1.Evaluate(references, Predictions());

        // Exact equality: the same IEEE-754 double operations in the same order as the Python script.
        Assert.Equal(Expected.GetProperty("totals").GetProperty("exact_match").GetDouble(), s.ExactMatch);
        Assert.Equal(Expected.GetProperty("totals").GetProperty("f1").GetDouble(), s.F1);
        Assert.Equal((22, 1), (s.Total, s.Unanswered));
    }

    [Fact]
    public void Every_question_scores_as_in_the_official_script()
    {
        QaDataset dataset = SquadReader.Read(Fixtures.Path("squad", "dataset.json"));
        Dictionary<string, string> predictions = Predictions();
        int checkedQuestions = 0;
        foreach (QaExample q in dataset.Examples.Where(q => predictions.ContainsKey(q.Id)))
        {
            JsonElement expected = Expected.GetProperty("per_question").GetProperty(q.Id);
            string p = predictions[q.Id];
            Assert.True(expected.GetProperty("exact_match").GetBoolean() == q.Answers.Any(a => SquadV1.ExactMatch(p, a.Text)), q.Id);
            Assert.True(expected.GetProperty("f1").GetDouble() == q.Answers.Max(a => SquadV1.F1(p, a.Text)), q.Id);
            checkedQuestions++;
        }
        Assert.Equal(21, checkedQuestions);
    }

    [Fact]
    public void Every_text_normalizes_as_in_the_official_script()
    {
        foreach (JsonElement pair in Expected.GetProperty("normalized").EnumerateArray())
            Assert.Equal(pair[1].GetString(), SquadV1.NormalizeAnswer(pair[0].GetString()!));
    }
}
