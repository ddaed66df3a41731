using BertCore.Data;
using BertCore.Data.Tasks;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using BertCore.Training.FineTuning;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Importance;

/// <summary>`bertcore importance` as a child process on the model of <see cref="CueTask"/>: its file, read back by the
/// reader pretraining uses, and its errors.</summary>
[Collection(CueTaskCollection.Name)]
public class ImportanceCommandTests(CueTask task, ITestOutputHelper log)
{
    [Fact]
    public void The_command_writes_a_file_that_pretraining_reads_with_the_cues_heaviest()
    {
        string output = task.File("importance-cli.tsv");
        var run = CliRunner.Run("importance", "--task-model", task.ModelDirectory, "--corpus", task.Corpus, "--output", output, "--method", "entropy", "--top", "3");
        log.WriteLine(run.StdOut + run.StdErr);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("80 sentences", run.StdOut);
        var vocabulary = Vocabulary.Load(Path.Combine(task.ModelDirectory, "vocab.txt"));
        var weights = ImportanceWeights.Load(output, vocabulary);
        float cue = Math.Min(weights[vocabulary.IdOf("good")], weights[vocabulary.IdOf("bad")]);
        Assert.All(CueTask.Fillers, f => Assert.True(weights[vocabulary.IdOf(f)] < cue, $"{f} weighs {weights[vocabulary.IdOf(f)]}, a cue {cue}"));
        Assert.Equal(1f, weights[vocabulary.MaskId]);   // never seen: unlisted
    }

    [Fact]
    public void The_command_names_what_is_wrong()
    {
        using var folder = new TempFolder();
        string output = folder.File("out.tsv");
        var missing = CliRunner.Run("importance", "--task-model", task.ModelDirectory, "--corpus", folder.File("none.txt"), "--output", output);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("none.txt: corpus file not found", missing.StdErr);

        var threshold = CliRunner.Run("importance", "--task-model", task.ModelDirectory, "--corpus", task.Corpus, "--output", output, "--threshold", "x");
        Assert.Equal(2, threshold.ExitCode);
        Assert.Contains("--threshold: 'x' is not a valid single", threshold.StdErr);

        var method = CliRunner.Run("importance", "--task-model", task.ModelDirectory, "--corpus", task.Corpus, "--output", output, "--method", "gradient");
        Assert.Equal(2, method.ExitCode);
        Assert.Contains("--method must be buffer or entropy", method.StdErr);

        string ner = folder.File("ner");
        using (var network = TaskNetwork.Create(TaskSpec.Create(TaskKind.Ner, new LabelVocabulary(["B-x", "O"]), 16),
                   FineTuning.TinyTasks.Config(Path.Combine(task.ModelDirectory, "vocab.txt")) with { MaxPositionEmbeddings = 16 }))
        {
            network.Initialize(1);
            TaskModelDirectory.Save(ner, network, Path.Combine(task.ModelDirectory, "vocab.txt"));
        }
        var wrongTask = CliRunner.Run("importance", "--task-model", ner, "--corpus", task.Corpus, "--output", output);
        Assert.Equal(1, wrongTask.ExitCode);
        Assert.Contains("is a ner model; selective masking needs a classify model", wrongTask.StdErr);
        Assert.False(File.Exists(output));
    }
}
