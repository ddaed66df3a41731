using BertCore.Data.Tasks;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class QaFeaturesTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    // 11 context tokens: the(0) Cat(1) sat(2) on(3) the(4) mat(5) .(6) the(7) dog(8) sat(9) .(10)
    private const string Context = "The Cat sat on the mat. The dog sat.";

    private static QaExample Example(string answer, string question = "the cat?") =>
        new("q", "", Context, question, [new QaAnswer(answer, Context.IndexOf(answer, StringComparison.Ordinal))], 1);

    // Question "the cat ?" is 3 tokens; MaxLength 10 leaves 10 - 3 - 3 = 4 context tokens per window; stride 2
    // (overlap) makes windows start at 0, 2, 4, 6, 8: [0,4) [2,6) [4,8) [6,10) [8,11), the last reaching the end.
    private static readonly QaFeatureOptions Small = new() { MaxLength = 10, DocStride = 2 };

    [Fact]
    public void Windows_overlap_by_the_stride_and_the_last_reaches_the_end()
    {
        QaFeature[] f = QaFeatures.Convert([Example("The dog")], Tokenizer, Small);

        Assert.Equal([0, 1, 2, 3, 4], f.Select(x => x.Window));
        Assert.All(f, x => Assert.Equal(0, x.Example));
        Assert.Equal(["[CLS]", "the", "cat", "?", "[SEP]", "the", "cat", "sat", "on", "[SEP]"], f[0].Encoding.Tokens);
        Assert.Equal(["[CLS]", "the", "cat", "?", "[SEP]", "dog", "sat", ".", "[SEP]"], f[4].Encoding.Tokens);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], f[4].Encoding.TypeIds);
        Assert.Equal([-1, 0, 0, 0, -1, 1, 1, 1, -1], f[4].Encoding.SequenceIds);
    }

    [Fact]
    public void Context_offsets_point_into_the_original_context()
    {
        foreach (QaFeature f in QaFeatures.Convert([Example("The dog")], Tokenizer, Small))
            for (int t = 0; t < f.Length; t++)
                if (f.IsContext(t))
                    Assert.Equal(f.Encoding.Tokens[t], Context[f.Encoding.Offsets[t].Start..f.Encoding.Offsets[t].End].ToLowerInvariant());
    }

    [Fact]
    public void The_answer_is_located_in_windows_that_hold_all_of_it_and_at_cls_elsewhere()
    {
        // "The dog" = context tokens 7..8; only window 3 [6,10) holds both; there they sit at 5 + (7 - 6) = 6 and 7.
        QaFeature[] f = QaFeatures.Convert([Example("The dog")], Tokenizer, Small);

        Assert.Equal([(0, 0), (0, 0), (0, 0), (6, 7), (0, 0)], f.Select(x => (x.StartPosition, x.EndPosition)));
    }

    [Fact]
    public void An_answer_in_the_last_token_of_a_window_starts_there_not_at_sep()
    {
        // "mat" = context token 5: window 1 [2,6) has it last (position 5 + 3 = 8; [SEP] is 9); window 2 [4,8) at 6.
        QaFeature[] f = QaFeatures.Convert([Example("mat")], Tokenizer, Small);

        Assert.Equal([(0, 0), (8, 8), (6, 6), (0, 0), (0, 0)], f.Select(x => (x.StartPosition, x.EndPosition)));
    }

    [Fact]
    public void An_answer_inside_a_token_maps_to_that_token()
    {
        // "at" is inside "mat" (chars 20..22); the span still maps to token "mat".
        var example = new QaExample("q", "", Context, "the cat?", [new QaAnswer("at", Context.IndexOf("mat", StringComparison.Ordinal) + 1)], 1);

        QaFeature f = QaFeatures.Convert([example], Tokenizer, new QaFeatureOptions())[0];

        Assert.Equal((10, 10), (f.StartPosition, f.EndPosition)); // 5 + token 5
        Assert.Equal("mat", f.Encoding.Tokens[10]);
    }

    [Fact]
    public void A_short_context_is_one_window()
    {
        QaFeature f = Assert.Single(QaFeatures.Convert([Example("dog")], Tokenizer, new QaFeatureOptions()));
        Assert.Equal(3 + 11 + 3, f.Length);
        Assert.Equal((13, 13), (f.StartPosition, f.EndPosition)); // 5 + token 8
    }

    [Fact]
    public void Long_questions_are_cut_to_the_max_query_length_and_leading_spaces_dropped()
    {
        var options = Small with { MaxQueryLength = 2 };
        QaFeature f = QaFeatures.Convert([Example("dog", question: "  the cat sat on the mat?")], Tokenizer, options)[0];

        Assert.Equal(["[CLS]", "the", "cat", "[SEP]", "the", "cat", "sat", "on", "the", "[SEP]"], f.Encoding.Tokens);
        Assert.Equal((2, 5), f.Encoding.Offsets[1]); // offsets of question tokens count the stripped spaces
    }

    [Fact]
    public void Unanswered_questions_point_at_cls()
    {
        var example = new QaExample("q", "", Context, "the cat?", [], 1);
        Assert.All(QaFeatures.Convert([example], Tokenizer, Small), f => Assert.Equal((0, 0), (f.StartPosition, f.EndPosition)));
    }

    [Fact]
    public void A_stride_as_long_as_the_window_is_rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => QaFeatures.Convert([Example("dog")], Tokenizer, Small with { DocStride = 4 }));
        Assert.Contains("leaves 4 context tokens per window", e.Message);
    }
}
