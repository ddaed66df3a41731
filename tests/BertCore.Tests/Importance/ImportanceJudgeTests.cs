using BertCore.Inference.Importance;
using Xunit;

namespace BertCore.Tests.Importance;

/// <summary>
/// The two criteria of <see cref="ImportanceJudge"/> against judgments worked out by hand on a stand-in classifier
/// whose probabilities are known exactly: P(positive | tokens) = σ(Σ score of each token), with "good" +3, "bad" −3,
/// "great" +5 and every other token 0. σ(0) = 0.5, σ(±3) = 0.9526 / 0.0474, σ(2) = 0.8808, σ(5) = 0.9933, σ(6) = 0.9975.
/// Every decision below is at least 0.003 away from δ on either side, far beyond rounding.
/// </summary>
public class ImportanceJudgeTests
{
    private const int Good = 1, Bad = 2, Great = 3, The = 5, Film = 6;

    private static double Score(int token) => token switch { Good => 3, Bad => -3, Great => 5, _ => 0 };

    /// <summary>The stand-in classifier, counting its calls.</summary>
    private sealed class Lexicon
    {
        public int Calls { get; private set; }

        public double[][] Classify(IReadOnlyList<IReadOnlyList<int>> inputs)
        {
            Calls++;
            return inputs.Select(tokens =>
            {
                double positive = 1 / (1 + Math.Exp(-tokens.Sum(Score)));
                return new[] { 1 - positive, positive };
            }).ToArray();
        }
    }

    private static bool[][] Judge(ImportanceMethod method, params int[][] sentences) =>
        ImportanceJudge.Judge(sentences, new Lexicon().Classify, method, method.DefaultThreshold());

    [Fact]
    public void Buffer_marks_the_token_that_brings_the_buffer_to_the_sentences_confidence_and_leaves_it_out()
    {
        var judged = Judge(ImportanceMethod.Buffer,
            [The, Good, Film],   // [the] 0.5 (0.45 short: kept); [the good] 0.9526 (0 short: important, left out); [the film] 0.5
            [Bad, The],          // negative 0.9526: [bad] reaches it at once; [the] 0.5
            [Good, Good],        // 0.9975: [good] 0.9526 is 0.045 short (kept as context); [good good] reaches it
            [Great, Bad],        // 0.8808: [great] 0.9933 is surer than the sentence (−0.11 < δ: important); [bad] 0.0474
            [Film, Great, Good, The]);   // 0.9997: [film] 0.5; [film great] 0.9933 is 0.006 short (< δ: important, out); [film good] 0.9526 0.047 short; [film good the] too
        Assert.Equal([false, true, false], judged[0]);
        Assert.Equal([true, false], judged[1]);
        Assert.Equal([false, true], judged[2]);
        Assert.Equal([true, false], judged[3]);
        Assert.Equal([false, true, false, false], judged[4]);
    }

    [Fact]
    public void Entropy_marks_the_tokens_whose_removal_makes_the_prediction_less_certain()
    {
        var judged = Judge(ImportanceMethod.Entropy,
            [The, Good, Film],   // H 0.191 nats; without good 0.693 (+0.50: important); without the or film unchanged
            [Good, Good],        // H(σ(6)) 0.017; without either good H(σ(3)) 0.191 (+0.17): both, unlike the buffer
            [Great, Bad],        // H(σ(2)) 0.367; without great 0.191 (more certain: −0.18); without bad 0.040
            [Bad]);              // H 0.191; without it nothing is left: 0.693
        Assert.Equal([false, true, false], judged[0]);
        Assert.Equal([true, true], judged[1]);
        Assert.Equal([false, false], judged[2]);
        Assert.Equal([true], judged[3]);
    }

    [Fact]
    public void The_threshold_decides_how_close_is_close()
    {
        // [good good]: [good] is 0.045 short of the sentence; with δ 0.05 that is close enough, for each good alone.
        Assert.Equal([true, true], ImportanceJudge.Judge([[Good, Good]], new Lexicon().Classify, ImportanceMethod.Buffer, 0.05)[0]);
        // [the good film] without good: entropy +0.50 nats; δ 0.6 asks for more.
        Assert.Equal([false, false, false], ImportanceJudge.Judge([[The, Good, Film]], new Lexicon().Classify, ImportanceMethod.Entropy, 0.6)[0]);
    }

    [Fact]
    public void Each_query_covers_every_sentence_at_once()
    {
        int[][] sentences = [[The, Good, Film, The, Film], [Bad], [Great, The]];
        var buffer = new Lexicon();
        ImportanceJudge.Judge(sentences, buffer.Classify, ImportanceMethod.Buffer, 0.01);
        Assert.Equal(1 + 5, buffer.Calls);   // the whole sentences, then one call per position of the longest
        var entropy = new Lexicon();
        ImportanceJudge.Judge(sentences, entropy.Classify, ImportanceMethod.Entropy, 0.05);
        Assert.Equal(2, entropy.Calls);   // the whole sentences, then every token left out
    }

    [Fact]
    public void A_classifier_that_answers_the_wrong_number_of_rows_and_a_threshold_that_is_not_finite_are_refused()
    {
        Assert.Throws<InvalidOperationException>(() => ImportanceJudge.Judge([[Good]], _ => [], ImportanceMethod.Buffer, 0.01));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImportanceJudge.Judge([[Good]], new Lexicon().Classify, ImportanceMethod.Entropy, double.NaN));
    }
}
