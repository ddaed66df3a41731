using BertCore.Metrics;
using Xunit;

namespace BertCore.Tests.Metrics;

/// <summary>The official SQuAD v1.1 metric on cases whose numbers are derived by hand below.</summary>
public class SquadV1Tests
{
    [Theory]
    [InlineData("The Denver Broncos!", "denver broncos")]         // lower, "!" removed, "the" removed, spaces collapsed
    [InlineData("an apple, a pear", "apple pear")]
    [InlineData("another anthem", "another anthem")]               // articles only as whole words
    [InlineData("  New\tYork\u00A0City\n", "new york city")]       // tab, no-break space, newline are white space
    [InlineData("state-of-the-art", "stateoftheart")]              // '-' removed first, so "the" is no longer a word
    [InlineData("“quoted”", "“quoted”")]                           // curly quotes are not in string.punctuation
    [InlineData("snake_case", "snakecase")]                        // '_' is punctuation
    [InlineData("a\u001Cb c", "b c")]                              // U+001C splits (str.split) — and "a" is an article
    [InlineData("İ", "i\u0307")]                                   // Python lower(): İ → i + combining dot
    [InlineData("ΣΟΦΟΣ", "σοφος")]                                 // final sigma at the end of the word only
    [InlineData("the\u0301", "\u0301")]                            // a combining mark is not \w: "the" is a whole word
    public void Normalization(string text, string expected) =>
        Assert.Equal(expected, SquadV1.NormalizeAnswer(text));

    [Fact]
    public void Token_f1_by_hand()
    {
        // "Broncos" vs "Denver Broncos": same 1, P = 1/1, R = 1/2, F1 = 2·1·½ / 1½ = 2/3.
        Assert.Equal(2.0 / 3, SquadV1.F1("Broncos", "Denver Broncos"), 15);
        // "the cat cat cat" → [cat cat cat]; "cat dog cat" → [cat dog cat]: same = min(3, 2) = 2; P = R = 2/3; F1 = 2/3.
        Assert.Equal(2.0 / 3, SquadV1.F1("the cat cat cat", "cat dog cat"), 15);
        // Disjoint: 0. Both empty after normalization: 0 (while their exact match is 1).
        Assert.Equal(0.0, SquadV1.F1("cat", "dog"));
        Assert.Equal(0.0, SquadV1.F1("a", "The"));
        Assert.True(SquadV1.ExactMatch("a", "The"));
    }

    [Fact]
    public void Evaluate_by_hand()
    {
        (string, IReadOnlyList<string>)[] references =
        [
            ("q1", ["Denver Broncos"]),                          // "the Denver Broncos." → EM 1, F1 1
            ("q2", ["Denver Broncos"]),                          // "Broncos" → EM 0, F1 2/3
            ("q3", ["Santa Clara, California", "Levi's Stadium"]), // "Santa Clara": vs [santa clara california] same 2, P 1, R 2/3, F1 .8; vs the other 0 → EM 0, F1 .8
            ("q4", ["Carolina Panthers"]),                       // no prediction → 0, 0
        ];
        var predictions = new Dictionary<string, string> { ["q1"] = "the Denver Broncos.", ["q2"] = "Broncos", ["q3"] = "Santa Clara" };

        SquadScores s = SquadV1.Evaluate(references, predictions);

        // EM = 100 · 1 / 4 = 25; F1 = 100 · (1 + 2/3 + .8) / 4 = 100 · (37/15) / 4 = 61.666…
        Assert.Equal(25.0, s.ExactMatch);
        Assert.Equal(100.0 * (1 + 2.0 / 3 + 0.8) / 4, s.F1, 12);
        Assert.Equal((4, 1), (s.Total, s.Unanswered));
    }

    [Fact]
    public void Questions_need_references()
    {
        Assert.Throws<ArgumentException>(() => SquadV1.Evaluate([("q", [])], new Dictionary<string, string> { ["q"] = "x" }));
        Assert.Throws<ArgumentException>(() => SquadV1.Evaluate([], new Dictionary<string, string>()));
    }
}
