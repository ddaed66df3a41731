using BertCore.Autograd;
using BertCore.Backends.Cpu;
using BertCore.IO;
using BertCore.Nn.Bert;
using BertCore.Nn.Heads;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Training;

/// <summary><c>bertcore pretrain --pre-ln --no-bias --dropout P</c> and <see cref="BertEncoder.OverrideDropout"/>.</summary>
public class PreLayerNormPretrainTests
{
    private const int Steps = 20;

    private static string[] Args(TempFolder folder, string output)
    {
        var stream = folder.File("stream.safetensors");
        if (!File.Exists(stream))
        {
            var source = TinyPretraining.Source(seed: 5, batch: 4);
            PreMaskedBatchFile.Write(stream, Enumerable.Range(0, 8).Select(_ => source.Next()).ToArray());
            TinyPretraining.WriteVocab(folder.Root);
            TinyPretraining.Config().Save(folder.File("config.json"));
        }
        return ["pretrain", "--batches", stream, "--vocab", folder.File("vocab.txt"), "--config", folder.File("config.json"), "--output", output,
            "--max-steps", $"{Steps}", "--save-every", "10", "--lr", "1e-3", "--warmup", "2", "--seed", "3", "--log-every", "1",
            "--pre-ln", "--no-bias", "--dropout", "0"];
    }

    /// <summary>The saved model is pre-LN and bias-free with the config's own dropout (0.1, not the run's 0), says that
    /// transformers cannot run it, and a run resumed from its step-10 checkpoint ends with the same bytes.</summary>
    [Fact]
    public void A_pre_ln_bias_free_run_saves_its_architecture_keeps_the_config_dropout_and_resumes_exactly()
    {
        using var folder = new TempFolder();
        string output = folder.File("run");
        var run = CliRunner.Run(Args(folder, output));
        Assert.True(run.ExitCode == 0, run.StdErr);
        Assert.Contains("transformers' BertModel cannot run this model", run.StdOut);
        Assert.Contains("--dropout 0: dropout 0 in this run; the saved config.json keeps 0.1", run.StdOut);
        var saved = BertConfig.Load(Path.Combine(output, "config.json"));
        Assert.True(saved.IsPreLayerNorm);
        Assert.False(saved.EncoderLinearBias);
        Assert.Equal(0.1f, saved.HiddenDropoutProb);
        var final = TinyPretraining.Sha256OfFile(Path.Combine(output, "model.safetensors"));

        Directory.Delete(Path.Combine(output, $"checkpoint-{Steps}"), recursive: true);
        File.Delete(Path.Combine(output, "model.safetensors"));
        var resumed = CliRunner.Run([.. Args(folder, output), "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        Assert.Contains("at step 10", resumed.StdOut);
        Assert.Equal(final, TinyPretraining.Sha256OfFile(Path.Combine(output, "model.safetensors")));

        var refused = CliRunner.Run(["pretrain", "--batches", folder.File("stream.safetensors"), "--init", output, "--output", folder.File("other"),
            "--max-steps", "1", "--pre-ln"]);
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("--pre-ln and --no-bias shape a fresh model", refused.StdErr);
    }

    /// <summary>With dropout overridden to 0 a training-mode forward is the evaluation forward, bit for bit, while the
    /// config (and so the saved config.json) keeps 0.1; before the override the two differ.</summary>
    [Fact]
    public void Overriding_dropout_to_zero_makes_training_mode_deterministic_and_keeps_the_config()
    {
        var config = TinyPretraining.Config() with { LayerNormPosition = BertConfig.PreLayerNorm };
        using var model = new BertForPreTraining(config);
        model.Initialize(1);
        var batch = TinyPretraining.Source(seed: 9).Next();
        using var g = new Graph(new CpuBackend());
        using var noGrad = g.NoGrad();
        float[] Hidden(bool training)
        {
            g.Training = training;
            var h = model.Bert.Forward(g, batch.Inputs).LastHiddenState.ToArray();
            g.Reset();
            return h;
        }
        var evaluation = Hidden(false);
        Assert.NotEqual(evaluation, Hidden(true));
        model.Bert.OverrideDropout(0f);
        Assert.Equal(evaluation, Hidden(true));
        Assert.Equal(0.1f, model.Config.HiddenDropoutProb);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Bert.OverrideDropout(1f));
    }
}
