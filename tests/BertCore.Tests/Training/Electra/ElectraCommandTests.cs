using BertCore.Checkpoints;
using BertCore.Data;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using BertCore.Training.Electra;
using Xunit;

namespace BertCore.Tests.Training.Electra;

/// <summary>`bertcore pretrain --objective electra` as a child process on a pre-masked stream.</summary>
public class ElectraCommandTests
{
    [Fact]
    public void Pretrain_electra_saves_discriminator_and_generator_and_refuses_to_resume_another_generator()
    {
        using var folder = new TempFolder();
        var stream = folder.File("stream.safetensors");
        var source = TinyPretraining.Source(seed: 17, relationLabels: false, batch: 8);
        PreMaskedBatchFile.Write(stream, Enumerable.Range(0, 4).Select(_ => source.Next()).ToArray());
        TinyPretraining.WriteVocab(folder.Root);
        TinyPretraining.Config().Save(folder.File("config.json"));
        var output = folder.File("run");
        string[] args = ["pretrain", "--batches", stream, "--vocab", folder.File("vocab.txt"), "--config", folder.File("config.json"),
            "--output", output, "--max-steps", "6", "--save-every", "3", "--lr", "1e-3", "--objective", "electra",
            "--generator-layers", "1", "--generator-intermediate", "16", "--eval-corpus", stream, "--eval-batches", "2"];

        var run = CliRunner.Run(args);
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("generator of 1 layers, intermediate size 16", run.StdOut);
        Assert.Contains("held-out replaced-token accuracy", run.StdOut);
        using (var discriminator = ModelDirectory.LoadPreTraining(output))
            Assert.Null(discriminator.Mlm);
        Assert.Equal(16, ModelDirectory.LoadConfig(Path.Combine(output, ElectraObjective.GeneratorFolder)).IntermediateSize);
        Assert.True(File.Exists(Path.Combine(output, ElectraObjective.HeadFile)));
        Assert.True(File.Exists(Path.Combine(output, "checkpoint-6", Pretrainer.ObjectiveStateFile)));
        var last = MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile))[^1];
        Assert.InRange(last.EvalRtdAccuracy, 0, 1);

        var other = CliRunner.Run([.. args.Select(a => a == "16" ? "32" : a), "--resume"]);
        Assert.NotEqual(0, other.ExitCode);
        Assert.Contains("--generator-intermediate", other.StdErr);

        var teacher = CliRunner.Run([.. args, "--teacher", output]);
        Assert.NotEqual(0, teacher.ExitCode);
        Assert.Contains("--objective electra does not take a --teacher", teacher.StdErr);
    }
}
