using System.Security.Cryptography;
using BertCore.Data;
using BertCore.Tests.Text;
using BertCore.Text;
using BertCore.Training;

namespace BertCore.Tests.Fuzzing;

/// <summary>Pretraining inputs: corpus text, token caches, importance weights, and the metrics log a resume reads.</summary>
internal static partial class FuzzTargets
{
    private static FuzzTarget CorpusText => new("corpus-text", "corpus.txt",
        _ => [SeedFiles.Text("The cat sat.\nOn the mat.\n\n  \nDogs running!\r\nHello, world?\n"),
              .. SeedFiles.SharedLines("corpus/wikitext-2-raw/wiki.test.raw", 30), .. SeedFiles.SharedLines("corpus/tinyshakespeare/input.txt", 60)],
        path => CorpusReader.Read([path]).Sum(d => d.Sentences.Count),
        [typeof(BertCore.IO.InvalidFileException), typeof(ArgumentException)]);

    private static FuzzTarget CorpusJsonl => new("corpus-jsonl", "corpus.jsonl",
        _ => [SeedFiles.Text("{\"text\": \"the dog sat\\nthe cat can't\", \"id\": 1}\n\n{\"text\": \"naive cafe\\r\\n\\r\\nnew\"}\n")],
        path => CorpusReader.Read([path]).Sum(d => d.Sentences.Count),
        [typeof(BertCore.IO.InvalidFileException), typeof(ArgumentException)]);

    /// <summary>Token caches built here from a small corpus; the repair recomputes the payload's SHA-256 in the header.</summary>
    private static FuzzTarget TokenCacheFile => new("token-cache", "tokens.cache",
        folder =>
        {
            string vocab = Path.Combine(folder, "vocab.txt"), corpus = Path.Combine(folder, "corpus.txt");
            File.WriteAllLines(vocab, ToyVocab.Tokens);
            File.WriteAllText(corpus, "The cat sat on the mat.\nDogs running!\n\nHello, world?\nnaive cafe\n\n博物 can't\n");
            return [SeedFiles.Written(folder, "tokens.cache", p => TokenCache.OpenOrBuild(p, [corpus], vocab).Dispose())];
        },
        path =>
        {
            using var cache = TokenCache.Open(path);
            for (int d = 0; d < cache.DocumentCount; d++)
            {
                (int first, int end) = cache.DocumentSentences(d);
                for (int s = first; s < end; s++)
                    _ = cache.Tokens(cache.SentenceStart(s), (int)(cache.SentenceStart(s + 1) - cache.SentenceStart(s))).Length;
            }
        },
        InvalidFile,
        Repair: bytes =>
        {
            const int headerSize = 160, hashAt = 104;
            if (bytes.Length < headerSize) return bytes;
            byte[] repaired = (byte[])bytes.Clone();
            SHA256.HashData(repaired.AsSpan(headerSize)).CopyTo(repaired, hashAt);
            return repaired;
        });

    private static readonly Lazy<Vocabulary> ToyVocabulary = new(() => new Vocabulary(ToyVocab.Tokens));

    private static FuzzTarget Importance => new("importance-weights", "weights.tsv",
        _ => [SeedFiles.Text("the\t0.1\ncat\t5\n##s\t1e-3\n\n博\t2.5\n[MASK]\t0\n")],
        path => ImportanceWeights.Load(path, ToyVocabulary.Value), InvalidFile);

    private static FuzzTarget Metrics => new("metrics-log", "metrics.csv",
        folder => [SeedFiles.Written(folder, "metrics.csv", p =>
        {
            using var log = MetricsLog.Open(p, 0);
            log.Append(new MetricsRow(1, 6.5, 1e-4, 2.25, 1234.5, double.NaN, double.NaN));
            log.Append(new MetricsRow(2, 6.25, 9e-5, 1.5, 1300, 0.125, 400.75));
        })],
        path => MetricsLog.Read(path), InvalidFile);
}
