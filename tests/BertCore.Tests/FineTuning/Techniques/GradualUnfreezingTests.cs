using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class GradualUnfreezingTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    /// <summary>The first step (1-based) at which a parameter trains with N = 2 and L = 2: head and pooler at 1,
    /// the top layer at 3, the bottom layer at 5, the embeddings at 7.</summary>
    private static int FirstStep(string name) =>
        name.StartsWith("bert.embeddings.", StringComparison.Ordinal) ? 7
        : name.StartsWith("bert.encoder.layer.0.", StringComparison.Ordinal) ? 5
        : name.StartsWith("bert.encoder.layer.1.", StringComparison.Ordinal) ? 3
        : 1;

    [Fact]
    public void Frozen_parameters_keep_their_values_bitwise_until_unfrozen_then_change()
    {
        using var job = _jobs.Classify(new FineTunerOptions { OutputDirectory = _jobs.Folder.File("out"), MaxSteps = 8, BatchSize = 16, LearningRate = 1e-3f, WarmupRatio = 0, UnfreezeEvery = 2 });
        var initial = TechniqueJobs.Snapshot(job);
        var sampler = new BertCore.Data.Tasks.LengthBucketSampler(job.Tuner.Train.Lengths, 16, 1);
        var batches = sampler.Epoch(0);
        var previous = initial;
        for (int step = 1; step <= 8; step++)
        {
            job.Tuner.TrainStep([job.Tuner.Train.Batch(batches[step - 1])]);
            var now = TechniqueJobs.Snapshot(job);
            foreach (var (name, values) in now)
            {
                if (step < FirstStep(name))
                    Assert.True(values.AsSpan().SequenceEqual(initial[name]), $"{name} changed at step {step}, before it was unfrozen");
                else
                    Assert.False(values.AsSpan().SequenceEqual(previous[name]), $"{name} did not change at step {step}");
            }
            previous = now;
        }
        Assert.All(job.Network.Model.Parameters(), p => Assert.True(p.Trainable));
    }

    [Fact]
    public void Stages_go_from_the_head_down_to_the_embeddings()
    {
        using var job = _jobs.Classify(new FineTunerOptions { OutputDirectory = _jobs.Folder.File("out"), UnfreezeEvery = 3 });
        var unfreezing = job.Tuner.Unfreezing!;
        Assert.Equal(4, unfreezing.Stages.Count);
        // Stage k holds the parameters that FirstStep (for N = 2) puts at step 2k + 1.
        for (int stage = 0; stage < 4; stage++)
            Assert.All(unfreezing.Stages[stage], p => Assert.Equal(2 * stage + 1, FirstStep(p.Name)));
        Assert.Equal(job.Network.Model.Parameters().Count(), unfreezing.Stages.Sum(s => s.Count));
        Assert.Equal([1, 1, 1, 2, 2, 2, 3, 3, 3, 4], Enumerable.Range(0, 10).Select(unfreezing.UnfrozenStages).ToArray());
        Assert.Equal(4, unfreezing.UnfrozenStages(1000));
    }
}
