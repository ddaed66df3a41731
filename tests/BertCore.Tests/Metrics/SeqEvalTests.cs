using BertCore.Metrics;
using Xunit;

namespace BertCore.Tests.Metrics;

public class SeqEvalTests
{
    // Cases published in seqeval's own tests/docstrings (chakki-works/seqeval tests/test_metrics.py, get_entities doc).
    [Fact]
    public void Seqeval_published_entities()
    {
        Assert.Equal([new Entity("PER", 0, 1), new Entity("LOC", 3, 3)], SeqEval.GetEntities(["B-PER", "I-PER", "O", "B-LOC"]));
        Assert.Equal([new Entity("MISC", 3, 5), new Entity("PER", 7, 8)],
            SeqEval.GetEntities(["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O", "B-PER", "I-PER"]));
        // Nested input is joined with an "O" between sentences, so the second sentence starts at 8.
        Assert.Equal([new Entity("_", 3, 5), new Entity("_", 8, 9)],
            SeqEval.GetEntities([["O", "O", "O", "B", "I", "I", "O"], ["B", "I", "O"]]));
    }

    [Fact]
    public void Seqeval_published_f1()
    {
        // f1_score docstring: MISC is predicted one token early (wrong span), PER is right: P = R = F1 = 1/2.
        EntityScores s = SeqEval.Score(
            [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]],
            [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]);

        Assert.Equal((0.5, 0.5, 0.5), (s.Precision, s.Recall, s.F1));
        Assert.Equal((1, 2, 2), (s.Correct, s.Predicted, s.Reference));
        Assert.Equal(new TypeScores(0, 0, 0, 1), s.PerType["MISC"]);
        Assert.Equal(new TypeScores(1, 1, 1, 1), s.PerType["PER"]);
    }

    // Hand-derived with the rules: end before tag t when prev is E/S, when B/I meets B/S/O, or when prev is not O
    // and the type changes; start at B/S, at E/I after E/S/O, or at a non-O tag whose type changes.
    [Theory]
    // I after O starts a chunk (O→I); the second I continues it (same type, no rule fires): PER 0-1.
    [InlineData("I-PER I-PER O", "PER 0 1")]
    // B then I of another type: type change ends PER at 0 and starts LOC at 1.
    [InlineData("B-PER I-LOC", "PER 0 0|LOC 1 1")]
    // I then B of the same type: I→B ends, B starts.
    [InlineData("I-PER B-PER", "PER 0 0|PER 1 1")]
    // B after B ends the first.
    [InlineData("B-PER B-PER I-PER", "PER 0 0|PER 1 2")]
    // O between: B→O ends; O→I starts again.
    [InlineData("B-PER O I-PER", "PER 0 0|PER 2 2")]
    // I-PER then I-LOC: type change ends and starts.
    [InlineData("O I-PER I-LOC I-LOC", "PER 1 1|LOC 2 3")]
    // IOBES: S ends at once; B..E is one chunk.
    [InlineData("S-PER B-LOC I-LOC E-LOC O", "PER 0 0|LOC 1 3")]
    // E directly after O starts (O→E) and ends (prev E) at the next tag.
    [InlineData("O E-PER O", "PER 1 1")]
    // Types keep everything after the first dash: WNUT's "creative-work".
    [InlineData("B-creative-work I-creative-work", "creative-work 0 1")]
    // An entity running to the end is closed by the "O" seqeval appends.
    [InlineData("O B-ORG", "ORG 1 1")]
    [InlineData("O O", "")]
    public void Chunks_follow_seqeval_rules(string tags, string expected)
    {
        var entities = SeqEval.GetEntities(tags.Split(' '));
        string actual = string.Join("|", entities.Select(e => $"{e.Type} {e.Start} {e.End}"));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Entities_never_span_sentences()
    {
        // Without the separator, I-PER at the start of sentence 2 would continue sentence 1's PER.
        Assert.Equal([new Entity("PER", 1, 1), new Entity("PER", 3, 3)], SeqEval.GetEntities([["O", "B-PER"], ["I-PER"]]));
    }

    [Fact]
    public void Scores_count_exact_type_and_span_matches()
    {
        // Reference: PER 0-1, LOC 3-3, ORG 5-6 (3). Prediction: PER 0-1 (right), LOC 3-4 (wrong span), MISC 5-6
        // (wrong type) (3). Correct 1: P = R = F1 = 1/3.
        EntityScores s = SeqEval.Score(
            [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "I-ORG"]],
            [["B-PER", "I-PER", "O", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]]);

        Assert.Equal(1.0 / 3, s.Precision, 15);
        Assert.Equal(1.0 / 3, s.Recall, 15);
        Assert.Equal(1.0 / 3, s.F1, 15);
        Assert.Equal(["LOC", "ORG", "PER"], s.PerType.Keys); // reference types only, sorted
    }

    [Fact]
    public void Nothing_predicted_scores_zero()
    {
        EntityScores s = SeqEval.Score([["B-PER"]], [["O"]]);
        Assert.Equal((0.0, 0.0, 0.0), (s.Precision, s.Recall, s.F1));
    }

    [Fact]
    public void Mismatched_inputs_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SeqEval.Score([["O"]], [["O"], ["O"]]));
        Assert.Throws<ArgumentException>(() => SeqEval.Score([["O", "O"]], [["O"]]));
        Assert.Throws<ArgumentException>(() => SeqEval.GetEntities(["O", ""]));
    }
}
