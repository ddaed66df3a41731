using BertCore.Data.Tasks;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class QaPostprocessorTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    // Context tokens: The(0) Cat(1) sat(2) on(3) the(4) mat(5) .(6) The(7) dog(8) sat(9) .(10).
    private const string Context = "The Cat sat on the mat. The dog sat.";
    private static readonly QaExample Example = new("q7", "", Context, "the cat?", [new QaAnswer("dog", 28)], 1);

    // One window: 0 [CLS], 1-3 question, 4 [SEP], 5-15 context tokens 0-10, 16 [SEP]; rows padded to 18.
    private static (QaFeature[] Features, float[] Start, float[] End) OneWindow()
    {
        QaFeature[] features = QaFeatures.Convert([Example], Tokenizer);
        float[] start = new float[18], end = new float[18];
        start[1] = 10f;  // question token: never an answer
        start[13] = 5f;  // dog
        start[5] = 4f;   // The (first)
        end[2] = 9f;     // question token
        end[13] = 6f;    // dog
        end[14] = 3f;    // sat
        start[17] = end[17] = 20f; // padding: never looked at
        return (features, start, end);
    }

    [Fact]
    public void Best_span_is_cut_from_the_original_context()
    {
        (QaFeature[] f, float[] s, float[] e) = OneWindow();

        QaPrediction p = QaPostprocessor.Predict([Example], f, [s], [e])[0];

        Assert.Equal("q7", p.Id);
        // Ranked by start + end: dog-dog 5+6=11, The-dog 4+6=10, dog-sat 5+3=8, The-sat 4+3=7, then zero-logit spans.
        Assert.Equal(("dog", 28, 31, 11f), (p.Best.Text, p.Best.Start, p.Best.End, p.Best.Score));
        Assert.Equal(["dog", "The Cat sat on the mat. The dog", "dog sat", "The Cat sat on the mat. The dog sat"], p.NBest.Take(4).Select(c => c.Text));
        Assert.Equal(20, p.NBest.Count);
        Assert.Equal(1.0, p.NBest.Sum(c => c.Probability), 12);
        // softmax: the best two differ by 1 in score, so their probabilities differ by a factor e.
        Assert.Equal(Math.E, p.NBest[0].Probability / p.NBest[1].Probability, 12);
    }

    [Fact]
    public void Spans_longer_than_the_maximum_answer_length_are_skipped()
    {
        (QaFeature[] f, float[] s, float[] e) = OneWindow();

        QaPrediction p = QaPostprocessor.Predict([Example], f, [s], [e], new QaPostprocessOptions { MaxAnswerLength = 3 })[0];

        Assert.Equal(["dog", "dog sat"], p.NBest.Take(2).Select(c => c.Text)); // The..dog is 9 tokens

        QaPrediction single = QaPostprocessor.Predict([Example], f, [s], [e], new QaPostprocessOptions { MaxAnswerLength = 1 })[0];
        Assert.All(single.NBest, c => Assert.DoesNotContain(' ', c.Text)); // "dog sat" (2 tokens) is now too long
        Assert.Equal("dog", single.Best.Text);
    }

    [Fact]
    public void No_valid_span_gives_an_empty_answer()
    {
        (QaFeature[] f, float[] s, float[] e) = OneWindow();

        // With n = 1 the only start tried is the question token 1: nothing is valid.
        QaPrediction p = QaPostprocessor.Predict([Example], f, [s], [e], new QaPostprocessOptions { NBestSize = 1 })[0];

        Assert.Equal(("", 0, 0), (p.Best.Text, p.Best.Start, p.Best.End));
        Assert.Empty(p.NBest);
    }

    [Fact]
    public void Spans_of_every_window_compete_and_end_before_start_is_skipped()
    {
        // Windows (see QaFeaturesTests): [0,4) [2,6) [4,8) [6,10) [8,11); context token k of window w sits at 5 + k - start(w).
        QaFeature[] f = QaFeatures.Convert([Example], Tokenizer, new QaFeatureOptions { MaxLength = 10, DocStride = 2 });
        float[][] start = f.Select(x => new float[x.Length]).ToArray();
        float[][] end = f.Select(x => new float[x.Length]).ToArray();
        start[0][6] = 3f; end[0][6] = 3f;    // window 0: "Cat", score 6
        start[3][7] = 4f; end[3][7] = 4f;    // window 3: token 8 "dog", score 8
        Array.Fill(start[4], -100f);
        Array.Fill(end[4], -100f);
        start[4][6] = 9f; end[4][5] = 9f;    // window 4: start "sat" after end "dog" (score 18) is invalid; its valid spans score -91

        QaPrediction p = QaPostprocessor.Predict([Example], f, start, end)[0];

        Assert.Equal("dog", p.Best.Text);
        Assert.Equal(["dog", "Cat"], p.NBest.Take(2).Select(c => c.Text));
    }

    [Fact]
    public void Logits_must_cover_every_feature()
    {
        (QaFeature[] f, float[] s, float[] e) = OneWindow();
        Assert.Throws<ArgumentException>(() => QaPostprocessor.Predict([Example], f, [s[..10]], [e]));
        Assert.Throws<ArgumentException>(() => QaPostprocessor.Predict([Example], f, [], []));
    }

    [Fact]
    public void Top_indices_rank_ties_by_position() =>
        Assert.Equal([3, 1, 2], QaPostprocessor.TopIndices([0f, 2f, 2f, 5f, -1f], 3));
}
