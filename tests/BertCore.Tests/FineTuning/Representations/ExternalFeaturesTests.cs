using System.Text.Json;
using BertCore.Backends.Cpu;
using BertCore.Data.Tasks;
using BertCore.Demo;
using BertCore.Inference;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Training.FineTuning;
using BertCore.Training.FineTuning.Representations;
using Xunit;

namespace BertCore.Tests.FineTuning.Representations;

/// <summary>External feature files (<see cref="ExternalFeatures"/>): their errors, and that the classifier uses them
/// in training, evaluation and prediction.</summary>
public class ExternalFeaturesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, string text)
    {
        string path = _folder.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static readonly SequenceExample[] Examples = [new("a", null, "0", null, 2), new("b", null, "1", null, 3)];

    [Fact]
    public void Rows_are_found_by_the_data_line_in_example_order()
    {
        var features = ExternalFeatures.Read(Write("f.tsv", "# line a b\n3\t0.5\t-1\n\n2 1e-1 2\n9 7 7\n"));
        Assert.Equal(2, features.Dimension);
        Assert.Equal([0.1f, 2f, 0.5f, -1f], features.For(Examples, "data.tsv", 2));
    }

    [Theory]
    [InlineData("2\t1\n3\tx\n", 2, "column 2: 'x' is not a finite number")]
    [InlineData("2\t1\t2\n3\t1\n", 2, "has 1 feature values; the first row has 2")]
    [InlineData("2\t1\n2\t3\n", 2, "repeats the features of data line 2 (first given at line 1)")]
    [InlineData("2\t1\nline\t3\n", 2, "the first column 'line' is not a data line number")]
    [InlineData("2\n", 1, "has a line number but no feature values")]
    [InlineData("2\tNaN\n", 1, "column 2: 'NaN' is not a finite number")]
    public void A_bad_row_is_named_by_file_and_line(string text, int line, string problem)
    {
        string path = Write("bad.tsv", text);
        var e = Assert.Throws<InvalidFileException>(() => ExternalFeatures.Read(path));
        Assert.Equal(path, e.Path);
        Assert.Equal(line, e.Line);
        Assert.Contains(problem, e.Problem);
    }

    [Fact]
    public void A_missing_row_or_another_width_is_an_error_naming_the_files()
    {
        var features = ExternalFeatures.Read(Write("f.tsv", "2\t1\t1\n"));
        var missing = Assert.Throws<InvalidFileException>(() => features.For(Examples, "data.tsv", 2));
        Assert.Contains("no row for the example at line 3 of data.tsv", missing.Message);
        var width = Assert.Throws<InvalidFileException>(() => features.For(Examples, "data.tsv", 3));
        Assert.Contains("rows have 2 feature values but the model takes 3", width.Message);
        Assert.Throws<InvalidFileException>(() => ExternalFeatures.Read(Write("empty.tsv", "# nothing\n")));
    }

    /// <summary>A features file for a sentiment TSV (header on line 1): (1, 0) for label 1, (0, 1) for label 0, or the reverse.</summary>
    private string LabelFeatures(string data, string name, bool flip)
    {
        var lines = File.ReadAllLines(data);
        var rows = Enumerable.Range(1, lines.Length - 1).Select(i => (lines[i].Split('\t')[1] == "1") != flip ? $"{i + 1}\t1\t0" : $"{i + 1}\t0\t1");
        return Write(name, string.Join('\n', rows) + "\n");
    }

    [Fact]
    public void The_classifier_learns_from_the_features_and_reads_them_when_evaluating_and_predicting()
    {
        var (files, vocab) = TinyTasks.Write(_folder.Root, classify: 160, ner: 8, qa: 8);
        string trainFeatures = LabelFeatures(files.ClassifyTrain, "train.features", flip: false);
        string devFeatures = LabelFeatures(files.ClassifyDev, "dev.features", flip: false);
        string output = _folder.File("out");
        // A frozen random encoder learns nothing; the label is in the external features only.
        FineTuningResult Train(string? train, string? dev, string folder)
        {
            using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
            {
                Task = TaskKind.Classify, TrainFile = files.ClassifyTrain, DevFile = files.ClassifyDev, Config = TinyTasks.Config(vocab), VocabPath = vocab,
                FreezeEncoder = true, Pooling = Pooling.Parse("mean"), FeaturesFile = train, DevFeaturesFile = dev,
            }, new FineTunerOptions { OutputDirectory = folder, Epochs = 4, BatchSize = 16, LearningRate = 5e-2f, Seed = 1 });
            return job.Run();
        }
        var with = Train(trainFeatures, devFeatures, output);
        Assert.Equal(1.0, with.Best!.Scores["accuracy"]);
        Assert.True(Train(null, null, _folder.File("without")).Best!.Scores["accuracy"] < 0.9);

        using var model = TaskModel.Load(output);
        Assert.Equal(2, model.Spec.ExternalFeatures);
        Assert.Equal(1.0, model.Evaluate(files.ClassifyDev, featuresPath: devFeatures)["accuracy"]);
        Assert.Equal(0.0, model.Evaluate(files.ClassifyDev, featuresPath: LabelFeatures(files.ClassifyDev, "flipped.features", flip: true))["accuracy"]);
        Assert.Throws<ArgumentException>(() => model.Evaluate(files.ClassifyDev));
        Assert.Equal(["1", "0"], model.Classify([("good", null), ("good", null)], [[1f, 0f], [0f, 1f]]).Select(p => p.Label));

        // predict: the vectors come in each JSONL line.
        string input = Write("in.jsonl", "{\"text\": \"good\", \"features\": [0, 1]}\n{\"text\": \"good\", \"features\": [1, 0]}\n");
        PredictionFile.Run(model, input, _folder.File("out.jsonl"));
        Assert.Equal(["0", "1"], File.ReadAllLines(_folder.File("out.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("label").GetString()));
        var bad = Write("bad.jsonl", "{\"text\": \"good\", \"features\": [1]}\n");
        Assert.Equal(1, Assert.Throws<InvalidFileException>(() => PredictionFile.Run(model, bad, _folder.File("x.jsonl"))).Line);
    }
}
