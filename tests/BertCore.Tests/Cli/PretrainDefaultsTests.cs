using BertCore.Demo;
using BertCore.Tests.Support;
using BertCore.Training;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`pretrain --config tiny` with no optimization options learns visibly: the default learning rate follows the
/// model's size (BERT's 1e-4 barely moves a 128-wide model in its first hundred steps).</summary>
public class PretrainDefaultsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-pretrain-defaults-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_tiny_model_with_default_options_shows_a_clearly_falling_loss()
    {
        var data = SyntheticData.Write(Path.Combine(_dir, "data"), corpusDocuments: 60, classifyTrain: 4, nerTrain: 4, qaTrain: 4);
        var vocab = Path.Combine(_dir, "vocab.txt");
        var r = CliRunner.Run("vocab", "--corpus", data.Corpus, "--size", "200", "--output", vocab);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var output = Path.Combine(_dir, "model");
        r = CliRunner.Run("pretrain", "--corpus", data.Corpus, "--vocab", vocab, "--config", "tiny", "--output", output,
            "--max-steps", $"{Steps}", "--batch", "16", "--seq", "64");
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        var losses = MetricsLog.Read(Path.Combine(output, Pretrainer.MetricsFile)).Select(row => row.Loss).ToArray();
        Assert.Equal(Steps, losses.Length);
        double first = losses[0], last = losses[^10..].Average();
        Assert.True(first - last >= MinimumFall, $"the loss fell from {first:F3} (step 1) to {last:F3} (mean of steps {Steps - 9}-{Steps})");
        Assert.Contains("--lr 1e-3 (the default for hidden size 128)", r.StdOut);
    }

    private const int Steps = 80;

    /// <summary>Measured here (seed 1): the first step's loss is about ln 200 = 5.3; the mean of the last ten steps is
    /// 4.45 at the default 1e-3 (a fall of about 0.85) and 4.95 at BERT's 1e-4 (about 0.35). 0.6 lies between the two.</summary>
    private const double MinimumFall = 0.6;
}
