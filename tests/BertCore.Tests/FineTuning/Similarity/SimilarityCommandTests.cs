using BertCore.Embeddings;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.FineTuning.Similarity;

/// <summary>`bertcore finetune --task similarity` as a child process on tiny data, and its usage errors.</summary>
public class SimilarityCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _vocab, _pairs;

    public SimilarityCommandTests()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 80);
        _vocab = vocab;
        _pairs = TinyTasks.Pairs(files.ClassifyTrain, _folder.File("pairs.tsv"), regression: true, low: 0, high: 5);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Args(string output, params string[] extra) =>
        ["finetune", "--task", "similarity", "--train", _pairs, "--dev", _pairs, "--config", "tiny", "--vocab", _vocab, "--output", output, "--max-steps", "3", .. extra];

    [Fact]
    public void Writes_an_embedding_folder_with_the_chosen_pooling_and_loss()
    {
        string output = _folder.File("out");
        var run = CliRunner.Run(Args(output, "--pooling", "cls", "--loss", "cosent"));
        Assert.True(run.ExitCode == 0, run.StdErr + run.StdOut);
        Assert.Contains("bi-encoder: pooling cls, loss cosent", run.StdOut);
        Assert.Contains("spearman", run.StdOut);
        Assert.Equal(new EmbeddingPooling(PoolingMode.Cls, false), EmbeddingPooling.Read(output));
    }

    [Theory]
    [InlineData("--loss", "mse", "--loss: unknown similarity loss 'mse': use cosine, cosent or mnrl")]
    [InlineData("--pooling", "concat-last-2", "--pooling: unknown pooling 'concat-last-2': use mean, cls or max")]
    [InlineData("--loss", "mnrl", "holds scored pairs; the mnrl loss learns from pairs without scores (use cosine or cosent)")]
    public void Bad_options_are_named(string option, string value, string message)
    {
        var run = CliRunner.Run(Args(_folder.File("bad"), option, value));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.StdErr);
    }

    [Fact]
    public void Similarity_options_are_refused_for_other_tasks()
    {
        var run = CliRunner.Run("finetune", "--task", "regress", "--train", _pairs, "--dev", _pairs, "--config", "tiny", "--vocab", _vocab,
            "--output", _folder.File("regress"), "--loss", "cosine");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("--loss and --max-score apply to similarity", run.StdErr);
    }
}
