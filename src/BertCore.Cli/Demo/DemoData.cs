using System.Text;
using System.Text.Json.Nodes;
using BertCore.IO;
using BertCore.Training.FineTuning;

namespace BertCore.Demo;

/// <summary>One task of the demo: its name in the results table, the task kind and its files.</summary>
/// <param name="Description">What the data is, for the results table.</param>
public sealed record DemoTask(string Name, TaskKind Task, string Train, string Dev, string Description);

/// <summary>The demo's inputs: the pretraining corpus (and its held-out part) and the labelled tasks.</summary>
public sealed record DemoInputs(IReadOnlyList<string> Corpus, IReadOnlyList<string> EvalCorpus, IReadOnlyList<DemoTask> Tasks, string Description);

/// <summary>Where the demo's data comes from: the embedded synthetic generator or a folder laid out like shared/data.</summary>
public static class DemoData
{
    /// <summary>Every <c>SplitEvery</c>-th line of the real corpus is held out for the MLM evaluation, and every
    /// <c>SplitEvery</c>-th XQuAD article (the 6th, 12th, …) is the QA dev set.</summary>
    public const int SplitEvery = 6;

    /// <summary>Writes the synthetic corpus and task files (<see cref="SyntheticData"/>) into <paramref name="folder"/>.</summary>
    public static DemoInputs Synthetic(string folder, int seed)
    {
        var f = SyntheticData.Write(folder, seed);
        return new DemoInputs([f.Corpus], [f.EvalCorpus],
        [
            new DemoTask("sentiment", TaskKind.Classify, f.ClassifyTrain, f.ClassifyDev, "synthetic; dev adjectives unseen in training"),
            new DemoTask("entities", TaskKind.Ner, f.NerTrain, f.NerDev, "synthetic person/location/corporation"),
            new DemoTask("questions", TaskKind.Qa, f.QaTrain, f.QaDev, "synthetic SQuAD-style"),
        ], "synthetic data generated with seed " + seed);
    }

    /// <summary>
    /// The real tasks of <paramref name="dataDirectory"/>: SST-2, RTE, STS-B, WNUT-17 and XQuAD-en, with
    /// WikiText-2 (raw test split) as the corpus. Two splits are written into <paramref name="folder"/>: the corpus
    /// lines (every <see cref="SplitEvery"/>-th held out) and XQuAD, which has no training split, by article
    /// (every <see cref="SplitEvery"/>-th of its 48 articles for dev, the other 40 for training), so no context is
    /// in both.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file of the layout is missing.</exception>
    public static DemoInputs Real(string dataDirectory, string folder)
    {
        string Data(params string[] parts)
        {
            var path = Path.Combine([dataDirectory, .. parts]);
            return File.Exists(path) ? path : throw new FileNotFoundException($"{path}: missing from the data folder (expected the shared/data layout)", path);
        }
        Directory.CreateDirectory(folder);
        var (corpus, evalCorpus) = SplitLines(Data("corpus", "wikitext-2-raw", "wiki.test.raw"), folder);
        var (qaTrain, qaDev) = SplitArticles(Data("qa", "xquad.en.json"), folder);
        return new DemoInputs([corpus], [evalCorpus],
        [
            new DemoTask("SST-2", TaskKind.Classify, Data("sst2", "train.tsv"), Data("sst2", "dev.tsv"), "GLUE SST-2"),
            new DemoTask("RTE", TaskKind.Pair, Data("pairs", "rte", "train.tsv"), Data("pairs", "rte", "dev.tsv"), "GLUE RTE"),
            new DemoTask("STS-B", TaskKind.Regress, Data("pairs", "stsb", "train.tsv"), Data("pairs", "stsb", "dev.tsv"), "GLUE STS-B"),
            new DemoTask("WNUT-17", TaskKind.Ner, Data("ner", "wnut17", "wnut17train.conll"), Data("ner", "wnut17", "emerging.dev.conll"), "WNUT-17 emerging entities"),
            new DemoTask("XQuAD-en", TaskKind.Qa, qaTrain, qaDev, $"XQuAD English, split by article (every {SplitEvery}th for dev)"),
        ], $"{dataDirectory}; corpus WikiText-2 raw test split (every {SplitEvery}th line held out)");
    }

    /// <summary>Writes the lines of <paramref name="corpus"/> into corpus.train.txt and corpus.eval.txt (every <see cref="SplitEvery"/>-th).</summary>
    private static (string Train, string Eval) SplitLines(string corpus, string folder)
    {
        var lines = TextLines.Read(corpus);
        string train = Path.Combine(folder, "corpus.train.txt"), eval = Path.Combine(folder, "corpus.eval.txt");
        Write(train, lines.Where((_, i) => i % SplitEvery != SplitEvery - 1));
        Write(eval, lines.Where((_, i) => i % SplitEvery == SplitEvery - 1));
        return (train, eval);
    }

    /// <summary>Writes the articles of a SQuAD file into qa.train.json and qa.dev.json (every <see cref="SplitEvery"/>-th article).</summary>
    private static (string Train, string Dev) SplitArticles(string squad, string folder)
    {
        var root = JsonNode.Parse(File.ReadAllText(squad)) as JsonObject ?? throw new InvalidFileException(squad, null, "expected a SQuAD v1.1 JSON object");
        var articles = root["data"] as JsonArray ?? throw new InvalidFileException(squad, null, "expected a SQuAD v1.1 object with a \"data\" array");
        string train = Path.Combine(folder, "qa.train.json"), dev = Path.Combine(folder, "qa.dev.json");
        JsonObject Subset(bool isDev) => new()
        {
            ["version"] = root["version"]?.DeepClone(),
            ["data"] = new JsonArray(articles.Where((_, i) => (i % SplitEvery == SplitEvery - 1) == isDev).Select(a => a!.DeepClone()).ToArray()),
        };
        Write(train, [Subset(false).ToJsonString()]);
        Write(dev, [Subset(true).ToJsonString()]);
        return (train, dev);
    }

    private static void Write(string path, IEnumerable<string> lines) =>
        AtomicFile.Write(path, s => s.Write(new UTF8Encoding(false).GetBytes(string.Join('\n', lines) + "\n")));
}
