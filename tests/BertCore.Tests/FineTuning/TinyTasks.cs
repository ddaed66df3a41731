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

    /// <summary>2 layers of width 32 over <paramref name="vocabPath"/>'s vocabulary, 128 positions.</summary>
    public static BertConfig Config(string vocabPath) => new()
    {
        VocabSize = Vocabulary.Load(vocabPath).Count, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2,
        IntermediateSize = 64, MaxPositionEmbeddings = 128,
    };
}
