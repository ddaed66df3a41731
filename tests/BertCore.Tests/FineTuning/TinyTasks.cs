using System.Globalization;
using System.Text;
using BertCore.Demo;
using BertCore.IO;
using BertCore.Text;

namespace BertCore.Tests.FineTuning;

/// <summary>
/// Small fine-tuning inputs for tests: the demo's synthetic task files (a few hundred examples), a word-level
/// vocabulary covering them (every word is one token, so no vocabulary training is needed) and a tiny model
/// configuration (a few milliseconds per step).
/// </summary>
internal static class TinyTasks
{
    /// <summary>Writes the synthetic files and vocab.txt into <paramref name="folder"/>.</summary>
    public static (SyntheticDataFiles Files, string Vocab) Write(string folder, int classify = 240, int ner = 160, int qa = 120)
    {
        var files = SyntheticData.Write(folder, seed: 11, corpusDocuments: 20, classifyTrain: classify, nerTrain: ner, qaTrain: qa);
        var basic = new BasicTokenizer();
        var words = new[] { files.ClassifyTrain, files.ClassifyDev, files.NerTrain, files.NerDev, files.QaTrain, files.QaDev }
            .SelectMany(f => basic.Tokenize(File.ReadAllText(f)))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var vocab = Path.Combine(folder, "vocab.txt");
        new Vocabulary(Vocabulary.SpecialTokens.Concat(words)).Save(vocab);
        return (files, vocab);
    }

    /// <summary>Writes the header and rows <paramref name="rows"/> (counted after the header) of a sentiment TSV to
    /// <paramref name="path"/>: the synthetic dev file uses adjectives the training file lacks, so a model without
    /// pretraining is scored on another part of the training file.</summary>
    public static string Part(string classification, string path, Range rows)
    {
        var lines = File.ReadAllLines(classification);
        File.WriteAllLines(path, [lines[0], .. lines[1..][rows]]);
        return path;
    }

    /// <summary>Sentence pairs from consecutive rows of a sentiment TSV, in the RTE / STS-B layouts: label 1 when
    /// both sentences are positive (a quarter of the pairs; "same sentiment", an exclusive or, takes a small model far
    /// longer to learn), or a score from <paramref name="low"/> (both negative) through their
    /// middle (mixed) to <paramref name="high"/> (both positive). Scores centered on 0 spare a small model hundreds
    /// of steps of moving its output bias to the middle of STS-B's 0–5 (Adam moves it by about the learning rate
    /// per step).</summary>
    public static string Pairs(string classification, string path, bool regression, double low = -1, double high = 1)
    {
        var rows = File.ReadAllLines(classification).Skip(1).Select(l => l.Split('\t')).ToArray();
        var text = new StringBuilder(regression ? "index\tsentence1\tsentence2\tscore\n" : "index\tsentence1\tsentence2\tlabel\n");
        for (int i = 0; i + 1 < rows.Length; i += 2)
        {
            string label = regression
                ? (low + (high - low) / 2 * (int.Parse(rows[i][1], CultureInfo.InvariantCulture) + int.Parse(rows[i + 1][1], CultureInfo.InvariantCulture))).ToString("F3", CultureInfo.InvariantCulture)
                : rows[i][1] == "1" && rows[i + 1][1] == "1" ? "1" : "0";
            text.Append(CultureInfo.InvariantCulture, $"{i / 2}\t{rows[i][0]}\t{rows[i + 1][0]}\t{label}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>2 layers of width 32 over <paramref name="vocabPath"/>'s vocabulary, 128 positions.</summary>
    public static BertConfig Config(string vocabPath) => new()
    {
        VocabSize = Vocabulary.Load(vocabPath).Count, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2,
        IntermediateSize = 64, MaxPositionEmbeddings = 128,
    };
}
