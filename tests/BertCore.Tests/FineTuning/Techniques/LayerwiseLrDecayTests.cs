using System.Text.RegularExpressions;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.FineTuning.Techniques;

public class LayerwiseLrDecayTests : IDisposable
{
    private readonly TechniqueJobs _jobs = new();

    public void Dispose() => _jobs.Dispose();

    /// <summary>lr·F^(L−i) for encoder layer i (1..L) = "bert.encoder.layer.{i−1}", F^L for the embeddings, 1 for the rest.</summary>
    private static double Expected(string name, double lr, double decay, int layers)
    {
        var layer = Regex.Match(name, @"^bert\.encoder\.layer\.(\d+)\.");
        if (layer.Success) return lr * Math.Pow(decay, layers - (int.Parse(layer.Groups[1].Value) + 1));
        return name.StartsWith("bert.embeddings.", StringComparison.Ordinal) ? lr * Math.Pow(decay, layers) : lr;
    }

    [Fact]
    public void Every_parameter_is_in_one_group_at_its_layers_rate_keeping_the_decay_split()
    {
        const float lr = 1e-3f;
        using var job = _jobs.Classify(new FineTunerOptions { OutputDirectory = _jobs.Folder.File("out"), LearningRate = lr, LayerDecay = 0.5f });
        var groups = job.Tuner.Groups;
        var all = job.Network.Model.Parameters().ToArray();
        Assert.Equal(all.Length, groups.Sum(g => g.Parameters.Count));
        foreach (var p in all)
        {
            var group = Assert.Single(groups, g => g.Parameters.Contains(p));
            Assert.Equal(Expected(p.Name, lr, 0.5, 2), group.Lr, 1e-12);
            bool exempt = p.Name.Contains("bias") || p.Name.Contains("LayerNorm");
            Assert.Equal(exempt ? 0f : 0.01f, group.WeightDecay);
        }
        // Four depths (embeddings, two layers, the top), each with decay and no-decay parameters.
        Assert.Equal(8, groups.Count);
    }

    [Fact]
    public void One_step_moves_each_parameter_by_its_layers_rate()
    {
        // First AdamW step without weight decay: Δp = lr_group · g/(|g| + eps) (bias corrections cancel), so the
        // largest |Δp| of a tensor is its group's rate up to eps/|g| (eps 1e-12 here: below 1e-5 for |g| ≥ 1e-7) and
        // fp32 rounding of p − Δp (|p| ≲ 0.1: below 1e-8 absolute against Δp ≥ 2.5e-4): 1e-4 relative. Without the
        // decay the embeddings would move 4× more.
        const float lr = 1e-3f;
        using var job = _jobs.Classify(new FineTunerOptions
        {
            OutputDirectory = _jobs.Folder.File("out"), LearningRate = lr, LayerDecay = 0.5f, WeightDecay = 0, Schedule = "constant", WarmupRatio = 0,
            MaxGradNorm = 0, Eps = 1e-12f,
        });
        var before = TechniqueJobs.Snapshot(job);
        job.Tuner.TrainStep([job.Tuner.Train.Batch(Enumerable.Range(0, 32).ToArray())]);
        string[] checkedNames = ["bert.embeddings.LayerNorm.weight", "bert.encoder.layer.0.attention.self.query.weight",
            "bert.encoder.layer.1.output.dense.weight", "bert.pooler.dense.weight", "classifier.weight"];
        foreach (var p in job.Network.Model.Parameters().Where(p => checkedNames.Contains(p.Name)))
        {
            var now = p.Value.Span;
            double largest = 0;
            for (int i = 0; i < now.Length; i++) largest = Math.Max(largest, Math.Abs(now[i] - before[p.Name][i]));
            double expected = Expected(p.Name, lr, 0.5, 2);
            Assert.True(Math.Abs(largest - expected) <= 1e-4 * expected, $"{p.Name}: largest step {largest}, expected {expected}");
        }
    }

    [Fact]
    public void A_decay_of_one_keeps_the_two_default_groups()
    {
        using var job = _jobs.Classify(new FineTunerOptions { OutputDirectory = _jobs.Folder.File("out"), LayerDecay = 1f });
        Assert.Equal(["decay", "no_decay"], job.Tuner.Groups.Select(g => g.Name));
    }
}
