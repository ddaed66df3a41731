using System.Text;
using BertCore.Backends.Cpu;
using BertCore.Inference;
using BertCore.Tests.FineTuning;
using BertCore.Tests.IO;
using BertCore.Text;
using BertCore.Training.FineTuning;
using Xunit;

namespace BertCore.Tests.Importance;

/// <summary>
/// A classify task where one token decides the label: sentences of 3 to 7 filler words with one cue, "good"
/// (label 1) or "bad" (label 0), at a random place. The training file also holds sentences without a cue, each
/// twice, once with either label, so that the model learns to be unsure without one (nothing it could memorize
/// beats 0.5 on them). A tiny model (2 layers of width 32) fine-tuned on it
/// once for the test classes of <see cref="CueTaskCollection"/>, with a word-level vocabulary (every word one token).
/// </summary>
public sealed class CueTask : IDisposable
{
    /// <summary>The words that carry no label.</summary>
    public static readonly string[] Fillers = ["the", "film", "a", "story", "of", "with", "and", "its", "cast", "plot", "scene", "about", "this", "that"];

    private readonly TempFolder _folder = new();

    public CueTask()
    {
        string vocab = _folder.File("vocab.txt");
        new Vocabulary([.. Vocabulary.SpecialTokens, "good", "bad", .. Fillers]).Save(vocab);
        string train = _folder.File("train.tsv");
        var cued = Sentences(seed: 1, count: 240, withCue: true).Select(s => $"{s.Text}\t{s.Label}\n");
        var cueless = Sentences(seed: 4, count: 80, withCue: false).Select(s => $"{s.Text}\t0\n{s.Text}\t1\n");
        System.IO.File.WriteAllText(train, "sentence\tlabel\n" + string.Concat(cued.Concat(cueless)));
        ModelDirectory = _folder.File("model");
        using var job = FineTuningJob.Prepare(new CpuBackend(), new FineTuningSetup
        {
            Task = TaskKind.Classify, TrainFile = train, VocabPath = vocab, MaxSequenceLength = 16,
            Config = TinyTasks.Config(vocab) with { MaxPositionEmbeddings = 16 },
        }, new FineTunerOptions { OutputDirectory = ModelDirectory, Epochs = 8, BatchSize = 16, LearningRate = 2e-3f, Seed = 1 });
        Assert.True(job.Run().Completed);
        Corpus = _folder.File("corpus.txt");
        System.IO.File.WriteAllLines(Corpus, Sentences(seed: 2, count: 80, withCue: true).Select(s => s.Text));
    }

    /// <summary>The fine-tuned model's folder.</summary>
    public string ModelDirectory { get; }

    /// <summary>80 new sentences, each with its cue, one per line.</summary>
    public string Corpus { get; }

    /// <summary>A file name in the task's temporary folder.</summary>
    public string File(string name) => _folder.File(name);

    /// <summary>How well the model does on new sentences with a cue, and its least and greatest probability of label
    /// 1 on new sentences without one (the premise of the tests).</summary>
    public (double Accuracy, double Low, double High) Check()
    {
        using var model = TaskModel.Load(ModelDirectory);
        var cued = Sentences(seed: 3, count: 100, withCue: true);
        var predicted = model.Classify(cued.Select(s => (s.Text, (string?)null)).ToArray());
        var cueless = Sentences(seed: 5, count: 100, withCue: false);
        var unsure = model.Classify(cueless.Select(s => (s.Text, (string?)null)).ToArray())
            .Select(p => p.Label == "1" ? p.Score : 1 - p.Score).ToArray();
        return (cued.Zip(predicted).Average(p => p.First.Label == p.Second.Label ? 1.0 : 0.0), unsure.Min(), unsure.Max());
    }

    private static (string Text, string Label)[] Sentences(int seed, int count, bool withCue)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var words = Enumerable.Range(0, random.Next(3, 8)).Select(_ => Fillers[random.Next(Fillers.Length)]).ToList();
            if (!withCue) return (string.Join(' ', words), "");
            bool good = random.Next(2) == 1;
            words.Insert(random.Next(words.Count + 1), good ? "good" : "bad");
            return (string.Join(' ', words), good ? "1" : "0");
        }).ToArray();
    }

    public void Dispose() => _folder.Dispose();
}

/// <summary>The test classes that share one <see cref="CueTask"/> (trained once).</summary>
[CollectionDefinition(Name)]
public sealed class CueTaskCollection : ICollectionFixture<CueTask>
{
    public const string Name = "cue-task";
}
