using BertCore.Backends.Cpu;
using BertCore.Backends.Reference;
using BertCore.Tensors;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Backends;

public class CrossEntropyTests
{
    private const int N = 9, V = 17;

    /// <summary>Targets [N] in [0, V) with rows 1, 4 and 8 set to ignoreIndex.</summary>
    private static int[] Targets(int ignoreIndex)
    {
        var t = TestData.Ints(N, 51, V);
        t[1] = t[4] = t[8] = ignoreIndex;
        return t;
    }

    /// <summary>logits [N, V]: uniform over ±scale, plus offset on every other row.</summary>
    private static float[] Logits(float scale, float offset) =>
        TestData.Uniform(N * V, 52, scale).Select((x, i) => i / V % 2 == 0 ? x + offset : x).ToArray();

    private static void Check(float[] logits, int[] targets, int ignoreIndex) =>
        GradCheck.Check((g, t) => g.CrossEntropy(t[0], g.Input(targets, N), ignoreIndex),
            x => ReferenceBackend.CrossEntropy(x[0], N, V, targets, ignoreIndex), [new OpInput(logits, [N, V])]);

    [Theory]
    [InlineData(-100, 3f, 0f)]
    [InlineData(5, 3f, 0f)]
    [InlineData(-100, 3f, 120f)]    // exp(120) overflows fp32 unless the row maximum is subtracted
    [InlineData(-100, 3f, -120f)]
    public void CrossEntropy_with_ignored_rows(int ignoreIndex, float scale, float offset) =>
        Check(Logits(scale, offset), Targets(ignoreIndex), ignoreIndex);

    [Fact]
    public void All_rows_ignored_gives_zero_loss_and_zero_gradient()
    {
        var targets = Enumerable.Repeat(-100, N).ToArray();
        Check(Logits(3f, 0f), targets, -100);

        using var backend = new CpuBackend();
        using Tensor logits = Tensor.FromArray(Logits(3f, 0f), N, V), t = Tensor.FromArray(targets, N);
        using Tensor loss = Tensor.Zeros(1), lse = Tensor.Zeros(N), kept = Tensor.Zeros(1);
        using Tensor dloss = Tensor.FromArray([1f], 1), dlogits = Tensor.Zeros(N, V);
        backend.CrossEntropy(logits, t, -100, loss, lse, kept);
        backend.CrossEntropyBackward(logits, t, -100, lse, kept, dloss, dlogits);
        Assert.Equal(0f, loss.Item());
        Assert.Equal(0f, kept.Item());
        Assert.All(dlogits.ToArray(), g => Assert.Equal(0f, g));
    }

    [Theory]
    [InlineData(4, 17)]
    [InlineData(2, -1)]
    public void A_target_outside_the_vocabulary_throws_naming_row_and_value(int row, int value)
    {
        var targets = Targets(-100);
        targets[row] = value;
        using var backend = new CpuBackend();
        using Tensor logits = Tensor.FromArray(Logits(3f, 0f), N, V), t = Tensor.FromArray(targets, N);
        using Tensor loss = Tensor.Zeros(1), lse = Tensor.Zeros(N), kept = Tensor.Zeros(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => backend.CrossEntropy(logits, t, -100, loss, lse, kept));
        Assert.Contains($"target {value} at row {row}", e.Message);
    }

    [Fact]
    public void CrossEntropy_backward_adds_into_prefilled_gradient()
    {
        using var backend = new CpuBackend();
        using Tensor logits = Tensor.FromArray(Logits(3f, 0f), N, V), t = Tensor.FromArray(Targets(-100), N);
        using Tensor loss = Tensor.Zeros(1), lse = Tensor.Zeros(N), kept = Tensor.Zeros(1), dloss = Tensor.FromArray([0.7f], 1);
        backend.CrossEntropy(logits, t, -100, loss, lse, kept);
        Assert.Equal(N - 3, kept.Item());
        Accumulation.Check(d => backend.CrossEntropyBackward(logits, t, -100, lse, kept, dloss, d[0]), [N, V]);
    }
}
