using BertCore.Optim;
using Xunit;

namespace BertCore.Tests.Optim;

public class LrScheduleTests
{
    [Fact]
    public void Linear_warmup_then_decay_matches_the_hugging_face_formula()
    {
        var s = LrSchedule.Linear(warmupSteps: 4, totalSteps: 10);
        float[] expected = [0f, 0.25f, 0.5f, 0.75f, 1f, 5f / 6, 4f / 6, 3f / 6, 2f / 6, 1f / 6, 0f, 0f];
        for (int t = 0; t < expected.Length; t++) Assert.Equal(expected[t], s.Factor(t), 6);
    }

    [Fact]
    public void Cosine_goes_from_one_to_zero_through_one_half()
    {
        var s = LrSchedule.Cosine(warmupSteps: 2, totalSteps: 12);
        Assert.Equal(0.5f, s.Factor(1), 6);
        Assert.Equal(1f, s.Factor(2), 6);
        Assert.Equal(0.5f, s.Factor(7), 6);
        Assert.Equal(0f, s.Factor(12), 6);
    }

    [Fact]
    public void Constant_with_warmup()
    {
        var s = LrSchedule.Constant(warmupSteps: 2);
        Assert.Equal([0f, 0.5f, 1f, 1f], Enumerable.Range(0, 4).Select(s.Factor));
    }

    [Fact]
    public void Slanted_triangular_follows_ulmfit()
    {
        // T = 100, cut_frac 0.1 → cut 10; ratio 32: lr goes 1/32 → 1 at step 10 → back to 1/32 at step 100.
        var s = LrSchedule.SlantedTriangular(100);
        Assert.Equal(1f / 32, s.Factor(0), 6);
        Assert.Equal((1 + 0.5f * 31) / 32, s.Factor(5), 6);
        Assert.Equal(1f, s.Factor(10), 6);
        // p = 1 - (55 - 10) / (10 · 9) = 0.5
        Assert.Equal((1 + 0.5f * 31) / 32, s.Factor(55), 6);
        Assert.Equal(1f / 32, s.Factor(100), 6);
    }

    [Fact]
    public void Unknown_schedule_names_the_choices()
    {
        var ex = Assert.Throws<ArgumentException>(() => LrSchedule.Parse("triangle", 0, 10));
        Assert.Contains("constant, linear, cosine, stlr", ex.Message);
    }

    [Fact]
    public void Progress_schedules_warm_up_over_a_fraction_then_reach_zero_at_the_end()
    {
        double progress = 0;
        var linear = LrSchedule.OverProgress("linear", 0.25, () => progress);
        var cosine = LrSchedule.OverProgress("cosine", 0.25, () => progress);
        var constant = LrSchedule.OverProgress("constant", 0.25, () => progress);
        // (progress, linear, cosine): warmup p / 0.25; then d = (p − 0.25) / 0.75, 1 − d and (1 + cos πd) / 2.
        (double P, float Linear, float Cosine)[] expected =
            [(0, 0, 0), (0.125, 0.5f, 0.5f), (0.25, 1, 1), (0.625, 0.5f, 0.5f), (0.8125, 0.25f, 0.1464466f), (1, 0, 0), (1.5, 0, 0)];
        foreach (var (p, l, c) in expected)
        {
            progress = p;
            Assert.Equal(l, linear.Factor(123), 6);   // the step is ignored
            Assert.Equal(c, cosine.Factor(0), 6);
            Assert.Equal(p < 0.25 ? l : 1f, constant.Factor(0), 6);
        }
        progress = 1;
        Assert.Equal(0f, linear.Factor(0));   // exactly zero at the budget
        Assert.Throws<ArgumentException>(() => LrSchedule.OverProgress("stlr", 0.1, () => 0));
        Assert.Throws<ArgumentException>(() => LrSchedule.OverProgress("linear", 1, () => 0));
    }
}
