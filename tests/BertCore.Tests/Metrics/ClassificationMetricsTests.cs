using BertCore.Metrics;
using Xunit;

namespace BertCore.Tests.Metrics;

public class ClassificationMetricsTests
{
    // references  1 1 1 0 0 0 1 0
    // predictions 1 0 1 0 1 0 1 1
    // TP = 3 (rows 0, 2, 6), FN = 1 (row 1), FP = 2 (rows 4, 7), TN = 2 (rows 3, 5).
    private static readonly int[] References = [1, 1, 1, 0, 0, 0, 1, 0];
    private static readonly int[] Predictions = [1, 0, 1, 0, 1, 0, 1, 1];

    [Fact]
    public void Accuracy_is_the_fraction_correct() =>
        Assert.Equal(5.0 / 8, ClassificationMetrics.Accuracy(References, Predictions)); // TP + TN = 5

    [Fact]
    public void Binary_f1_of_the_positive_class()
    {
        Assert.Equal(6.0 / 9, ClassificationMetrics.BinaryF1(References, Predictions), 15);             // 2·3 / (2·3 + 2 + 1)
        Assert.Equal(4.0 / 7, ClassificationMetrics.BinaryF1(References, Predictions, positive: 0), 15); // TP' = 2, FP' = 1, FN' = 2: 4 / (4 + 1 + 2)
        Assert.Equal(0.0, ClassificationMetrics.BinaryF1([0, 0], [0, 0]));                             // no positives at all
    }

    [Fact]
    public void Matthews_correlation_matches_the_binary_formula()
    {
        // (TP·TN − FP·FN) / √((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (6 − 2) / √(5·4·4·3) = 4 / √240.
        Assert.Equal(4 / Math.Sqrt(240), ClassificationMetrics.MatthewsCorrelation(References, Predictions), 14);
        Assert.Equal(1.0, ClassificationMetrics.MatthewsCorrelation([0, 1, 2, 2], [0, 1, 2, 2]), 14);
        Assert.Equal(0.0, ClassificationMetrics.MatthewsCorrelation([0, 1, 0], [1, 1, 1])); // constant prediction
    }

    [Fact]
    public void Lists_must_match()
    {
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([1], [1, 0]));
        Assert.Throws<ArgumentException>(() => ClassificationMetrics.Accuracy([], []));
    }
}
