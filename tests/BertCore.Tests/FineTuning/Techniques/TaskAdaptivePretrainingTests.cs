using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class TaskAdaptivePretrainingTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    private FineTunerOptions Options(int taptSteps) => new()
    {
        OutputDirectory = _jobs.Folder.File("out"), MaxSteps = 4, BatchSize = 16, Seed = 6, TaptSteps = taptSteps, TaptLearningRate = 2e-3f,
    };

    [Fact]
    public void Adapted_encoder_differs_from_the_start_and_its_mlm_loss_on_the_training_text_goes_down()
    {
        string pretrained = _jobs.PretrainedFolder(seed: 3);
        using var plain = _jobs.Classify(Options(0), pretrained);
        using var adapted = _jobs.Classify(Options(30), pretrained);
        Assert.Null(plain.Tapt);
        var tapt = adapted.Tapt!;
        Assert.True(tapt.HeadLoaded);
        Assert.Equal(30, tapt.Steps);
        Assert.Equal(30, tapt.Losses.Count);
        // From an untrained (randomly initialized) model the loss on the training text starts near ln V: 30 steps at
        // 2e-3 take it well down; the same fixed masks are scored before and after.
        Assert.True(tapt.LossAfter < tapt.LossBefore - 0.5, $"MLM loss {tapt.LossBefore} → {tapt.LossAfter}");
        Assert.True(tapt.Losses.Skip(25).Average() < tapt.Losses.Take(5).Average(), string.Join(", ", tapt.Losses));

        var before = TechniqueJobs.Snapshot(plain);   // the model folder's weights (and the same new head)
        var after = TechniqueJobs.Snapshot(adapted);
        foreach (var (name, values) in after)
        {
            bool encoder = name.StartsWith("bert.embeddings.", StringComparison.Ordinal) || name.StartsWith("bert.encoder.", StringComparison.Ordinal);
            if (encoder) Assert.False(values.AsSpan().SequenceEqual(before[name]), $"{name} was not adapted");
            else Assert.True(values.AsSpan().SequenceEqual(before[name]), $"{name} (pooler, head) changed");
        }
    }

    [Fact]
    public void Zero_steps_is_the_plain_run()
    {
        using var a = _jobs.Classify(Options(0));
        using var b = _jobs.Classify(Options(0) with { TaptSteps = default });
        Assert.Null(a.Tapt);
        var x = TechniqueJobs.Snapshot(a);
        Assert.All(TechniqueJobs.Snapshot(b), kv => Assert.True(kv.Value.AsSpan().SequenceEqual(x[kv.Key])));
    }
}
