using BertCore.Checkpoints;
using BertCore.Demo;
using BertCore.Tests.Support;
using BertCore.Tests.Training;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore vocab` then `bertcore pretrain --corpus` end to end on the synthetic corpus.</summary>
public class PretrainFromCorpusTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-pretrain-corpus-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("mlm", "whole-word")]
    [InlineData("mlm+nsp", "span")]
    [InlineData("mlm+sop", "token")]
    public void Trains_from_raw_text_and_writes_a_loadable_model(string objective, string mask)
    {
        var data = SyntheticData.Write(Path.Combine(_dir, "data"), corpusDocuments: 60, classifyTrain: 4, nerTrain: 4, qaTrain: 4);
        var vocab = Path.Combine(_dir, "vocab.txt");
        var r = CliRunner.Run("vocab", "--corpus", data.Corpus, "--size", "200", "--output", vocab);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var output = Path.Combine(_dir, "model");
        r = CliRunner.Run("pretrain", "--corpus", data.Corpus, "--eval-corpus", data.EvalCorpus, "--vocab", vocab, "--config", "tiny",
            "--output", output, "--max-steps", "4", "--batch", "4", "--seq", "32", "--eval-every", "2", "--save-every", "2",
            "--objective", objective, "--mask", mask);
        Assert.True(r.ExitCode == 0, r.StdOut + r.StdErr);
        Assert.Contains("eval at step 4", r.StdOut);
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.csv"));
        Assert.Equal(5, rows.Length);   // header + 4 steps
        Assert.True(PngFile.IsPng(Path.Combine(output, "loss.png")), "the CLI draws loss.png from metrics.csv");
        using var model = ModelDirectory.LoadPreTraining(output);
        Assert.Equal(objective != "mlm", model.Nsp != null);
        Assert.Equal(File.ReadAllText(vocab), File.ReadAllText(Path.Combine(output, "vocab.txt")));
    }
}
