using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BertCore.IO;
using BertCore.Nn;
using BertCore.Text;
using BertCore.Training;

namespace BertCore.Tests.Training;

/// <summary>A small BERT and matching settings for trainer tests: a few milliseconds per step.</summary>
internal static class TinyPretraining
{
    public const int Vocab = 61, Batch = 4, Sequence = 16;

    public static BertConfig Config(float dropout = 0.1f) => new()
    {
        VocabSize = Vocab, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64,
        MaxPositionEmbeddings = Sequence, HiddenDropoutProb = dropout, AttentionProbsDropoutProb = dropout,
    };

    public static SyntheticBatchSource Source(int seed, bool relationLabels = true, int batch = Batch) =>
        new(Vocab, batch, Sequence, seed, relationLabels);

    /// <summary>SHA-256 over every parameter's bytes, in parameter order.</summary>
    public static string Digest(Module model)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in model.Parameters()) sha.AppendData(MemoryMarshal.AsBytes(p.Value.Span));
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    /// <summary>A vocab.txt of <see cref="Vocab"/> tokens: the five specials, then made-up words.</summary>
    public static string WriteVocab(string folder)
    {
        var path = Path.Combine(folder, "vocab.txt");
        new Vocabulary(Vocabulary.SpecialTokens.Concat(Enumerable.Range(0, Vocab - 5).Select(i => $"w{i}"))).Save(path);
        return path;
    }

    public static string Sha256OfFile(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
