using BertCore.Checkpoints;
using BertCore.Demo;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Tests.Training;
using Xunit;

namespace BertCore.Tests.Cli;

/// <summary>`bertcore vocab` and `bertcore pretrain` with a task's training file as in-domain text (--in-domain).</summary>
public class InDomainTextTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly SyntheticDataFiles _data;
    private readonly string _task;

    public InDomainTextTests()
    {
        _data = SyntheticData.Write(_folder.File("data"), corpusDocuments: 60, classifyTrain: 200, nerTrain: 4, qaTrain: 4);
        // Words of the synthetic lexicon, plus two that only this file has and a label no text has.
        _task = _folder.File("task.tsv");
        File.WriteAllLines(_task, ["sentence\tlabel", .. Enumerable.Repeat("the zorbulating crumplehorn was great\tunmistakablelabel", 40)]);
    }

    public void Dispose() => _folder.Dispose();

    private string[] Vocab(string ratio) =>
        ["vocab", "--corpus", _data.Corpus, "--in-domain", _task, "--in-domain-ratio", ratio, "--size", "400", "--output", _folder.File($"vocab-{ratio}.txt")];

    [Fact]
    public void Vocab_on_a_mix_holds_the_words_only_the_in_domain_file_has_in_proportion_to_the_ratio_and_never_its_labels()
    {
        var mixed = CliRunner.Run(Vocab("0.3"));
        var scarce = CliRunner.Run(Vocab("0.001"));

        Assert.True(mixed.ExitCode == 0, mixed.StdErr);
        Assert.True(scarce.ExitCode == 0, scarce.StdErr);
        string[] tokens = File.ReadAllLines(_folder.File("vocab-0.3.txt"));
        Assert.Contains("zorbulating", tokens);
        Assert.Contains("crumplehorn", tokens);
        Assert.DoesNotContain("unmistakablelabel", tokens);
        Assert.Contains("the in-domain text is 30.0% of the counts", mixed.StdErr);
        // At 0.1% each of the 40 occurrences weighs about 0.02: the word counts once, below --min-frequency 2, and is never merged.
        Assert.DoesNotContain("zorbulating", File.ReadAllLines(_folder.File("vocab-0.001.txt")));
    }

    private string[] Pretrain(string vocab, string output, params string[] more) =>
        ["pretrain", "--vocab", vocab, "--config", "tiny", "--output", output, "--batch", "4", "--seq", "32", "--lr", "1e-3", "--seed", "5",
            "--log-every", "1", .. more];

    [Fact]
    public void Pretrain_on_a_mix_reports_both_sources_and_resumes_bitwise_from_a_checkpoint()
    {
        var vocab = CliRunner.Run(Vocab("0.3"));
        Assert.True(vocab.ExitCode == 0, vocab.StdErr);
        string vocabFile = _folder.File("vocab-0.3.txt"), straight = _folder.File("straight"), resumed = _folder.File("resumed");
        string[] mix = ["--corpus", _data.Corpus, "--in-domain", _data.ClassifyTrain, "--in-domain-ratio", "0.3", "--max-steps", "8", "--save-every", "4"];

        var full = CliRunner.Run(Pretrain(vocabFile, straight, mix));
        Assert.True(full.ExitCode == 0, full.StdOut + full.StdErr);
        // 200 SST-2-style rows of about 10 tokens pack into a few dozen sequences of 32; 8 steps × 4 take floor(32 · 0.3) = 9 of
        // them. A batch of 4 at 0.3 holds one or two, so a resume at the wrong sequence would change the batches.
        Assert.Matches(@"--in-domain: \d+ sequences \([\d,]+ tokens\); the 32 sequences of --max-steps 8 take 9 of them \(30\.0%\), seeing each [\d.]+ times", full.StdOut);
        Assert.Matches(@"--corpus: [\d,]+ sequences \([\d,]+ tokens\); 23 taken, each seen [\d.]+ times", full.StdOut);

        // An interrupted run: only checkpoint-4 of the straight run exists; --resume must end where the straight run ended.
        CopyFolder(Path.Combine(straight, "checkpoint-4"), Path.Combine(resumed, "checkpoint-4"));
        var rest = CliRunner.Run(Pretrain(vocabFile, resumed, [.. mix, "--resume"]));
        Assert.True(rest.ExitCode == 0, rest.StdOut + rest.StdErr);
        Assert.Contains("at step 4", rest.StdOut);
        Assert.Equal(TinyPretraining.Sha256OfFile(Path.Combine(straight, ModelDirectory.WeightsFile)),
            TinyPretraining.Sha256OfFile(Path.Combine(resumed, ModelDirectory.WeightsFile)));

        var alone = CliRunner.Run(Pretrain(vocabFile, _folder.File("alone"), "--in-domain", _data.ClassifyTrain, "--max-steps", "2"));
        Assert.True(alone.ExitCode == 0, alone.StdOut + alone.StdErr);
        Assert.Contains("take 8 of them (100.0%)", alone.StdOut);
    }

    [Fact]
    public void A_missing_text_column_names_the_file_line_and_column_and_a_mix_without_a_ratio_is_a_usage_error()
    {
        var vocab = CliRunner.Run("vocab", "--in-domain", _task, "--size", "200", "--output", _folder.File("vocab.txt"));
        Assert.True(vocab.ExitCode == 0, vocab.StdErr);

        var column = CliRunner.Run(Pretrain(_folder.File("vocab.txt"), _folder.File("a"), "--in-domain", _task, "--in-domain-text-column", "review",
            "--max-steps", "1"));
        var noRatio = CliRunner.Run(Pretrain(_folder.File("vocab.txt"), _folder.File("b"), "--in-domain", _task, "--corpus", _data.Corpus,
            "--max-steps", "1"));

        Assert.Equal(1, column.ExitCode);
        Assert.Contains($"{_task}:1: no sentence column 'review': the header has 'sentence', 'label'", column.StdErr);
        Assert.Equal(2, noRatio.ExitCode);
        Assert.Contains("--in-domain with --corpus needs --in-domain-ratio", noRatio.StdErr);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from))
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string folder in Directory.GetDirectories(from))
            CopyFolder(folder, Path.Combine(to, Path.GetFileName(folder)));
    }
}
