using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.Demo;
using BertCore.Tests.Support;
using BertCore.Tests.Training;
using BertCore.Training;
using BertCore.Training.Distillation;
using Xunit;

namespace BertCore.Tests.Distillation;

/// <summary>MLM distillation in pretraining: the loss's limits (α = 0 is the plain MLM loss, a teacher identical to the
/// student adds nothing), that it trains, and `bertcore pretrain --teacher`.</summary>
public class MlmDistillationTests
{
    /// <summary>The objective's loss on one batch of a dropout-free tiny model, and the plain model loss.</summary>
    private static (float Distilled, float Plain, float Mlm) Losses(int teacherSeed, float alpha)
    {
        using var student = PretrainingModel.New(TinyPretraining.Config(dropout: 0f), relationHead: true, seed: 1);
        using var objective = new MlmDistillation(PretrainingModel.New(TinyPretraining.Config(dropout: 0f), relationHead: false, seed: teacherSeed), alpha, 2f);
        var batch = TinyPretraining.Source(3).Next();
        using var g = new Graph(new CpuBackend(1)) { Training = true };
        float distilled = objective.Loss(g, student, batch, batch.RelationLabels).Item();
        g.Reset();
        var output = student.Forward(g, batch.Inputs, batch.MlmLabels, batch.RelationLabels);
        return (distilled, output.Loss!.Item(), output.MlmLoss!.Item());
    }

    [Fact]
    public void Alpha_zero_is_the_plain_mlm_and_relation_loss()
    {
        var (distilled, plain, _) = Losses(teacherSeed: 2, alpha: 0f);
        Assert.Equal(plain, distilled, 1e-5);   // the same terms summed in another order: fp32 rounding only
    }

    [Fact]
    public void A_teacher_identical_to_the_student_contributes_no_divergence()
    {
        var (same, plain, mlm) = Losses(teacherSeed: 1, alpha: 0.5f);
        var (other, _, _) = Losses(teacherSeed: 2, alpha: 0.5f);
        // α = 0.5: 0.5 · KL + 0.5 · MLM + relation; with KL = 0 the distilled loss is the plain one less half the MLM loss
        Assert.Equal(plain - 0.5f * mlm, same, 1e-5);
        Assert.True(other > same + 1e-3, $"a different teacher should add a divergence: {other} vs {same}");
    }

    [Fact]
    public void Pretrain_with_a_teacher_trains_a_student_that_loads()
    {
        using var dir = new BertCore.Tests.IO.TempFolder();
        var data = SyntheticData.Write(dir.File("data"), corpusDocuments: 30, classifyTrain: 4, nerTrain: 4, qaTrain: 4);
        string vocab = dir.File("vocab.txt"), teacher = dir.File("teacher"), student = dir.File("student");
        Assert.Equal(0, CliRunner.Run("vocab", "--corpus", data.Corpus, "--size", "200", "--output", vocab).ExitCode);
        string[] common = ["--corpus", data.Corpus, "--vocab", vocab, "--max-steps", "2", "--batch", "4", "--seq", "32", "--save-every", "2"];
        var r = CliRunner.Run(["pretrain", .. common, "--config", "tiny", "--output", teacher]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var config = dir.File("student.json");
        (BertCore.Checkpoints.ModelDirectory.LoadConfig(teacher) with { NumHiddenLayers = 1, HiddenSize = 64, NumAttentionHeads = 2, IntermediateSize = 128 }).Save(config);
        r = CliRunner.Run(["pretrain", .. common, "--config", config, "--output", student, "--teacher", teacher, "--distill-alpha", "0.7", "--temperature", "3"]);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains($"--teacher {teacher}", r.StdOut);
        var (model, report) = PretrainingModel.FromCheckpoint(student, relationHead: false, seed: 0);
        using (model) Assert.Equal(64, model.Config.HiddenSize);
    }
}
