using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class ScheduleTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    /// <summary>The factor of step t (t steps taken) of T = 100 steps with W = 25 warmup steps (ratio 0.25, exact in
    /// binary), written out by hand.</summary>
    private static double Expected(string schedule, int t, double cut = 0.1, double ratio = 32)
    {
        const int total = 100, warmup = 25;
        switch (schedule)
        {
            case "stlr":   // Howard & Ruder (2018), eq. 3: cut = ⌊T·cut_frac⌋
                int c = (int)Math.Floor(total * cut);
                double p = t < c ? (double)t / c : 1 - (double)(t - c) / (c * (1 / cut - 1));
                return (1 + p * (ratio - 1)) / ratio;
            case "constant":
                return t < warmup ? t / 25.0 : 1;
            case "cosine":
                return t < warmup ? t / 25.0 : 0.5 * (1 + Math.Cos(Math.PI * (t - warmup) / 75.0));
            default:
                return t < warmup ? t / 25.0 : (total - t) / 75.0;
        }
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("constant")]
    [InlineData("cosine")]
    [InlineData("stlr")]
    public void The_run_uses_the_chosen_factor_curve(string schedule)
    {
        using var job = _jobs.Classify(new FineTunerOptions { OutputDirectory = _jobs.Folder.File("out"), MaxSteps = 100, WarmupRatio = 0.25f, Schedule = schedule });
        for (int t = 0; t < 100; t++)
            Assert.True(Math.Abs(Expected(schedule, t) - job.Tuner.Schedule.Factor(t)) <= 1e-6, $"{schedule} factor at step {t}: {job.Tuner.Schedule.Factor(t)}");
    }

    [Fact]
    public void Stlr_takes_cut_fraction_and_ratio_and_the_steps_report_its_rates()
    {
        const float lr = 1e-3f;
        using var job = _jobs.Classify(new FineTunerOptions
        {
            OutputDirectory = _jobs.Folder.File("out"), MaxSteps = 100, LearningRate = lr, Schedule = "stlr", StlrCutFraction = 0.2f, StlrRatio = 10,
        });
        for (int t = 0; t < 100; t++)
            Assert.Equal(Expected("stlr", t, 0.2, 10), job.Tuner.Schedule.Factor(t), 1e-6);
        // The first steps of a run take the rates of the curve: 1/ratio · lr at the first step.
        for (int t = 0; t < 3; t++)
        {
            var step = job.Tuner.TrainStep([job.Tuner.Train.Batch([t, t + 1])]);
            Assert.Equal(lr * Expected("stlr", t, 0.2, 10), step.LearningRate, 1e-9);
        }
    }

    [Fact]
    public void An_unknown_schedule_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new FineTunerOptions { OutputDirectory = "x", Schedule = "step" }.Validate());
    }
}
