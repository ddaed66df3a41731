using System.Globalization;
using System.Text.Json;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Metrics;

namespace BertCore.Embeddings;

/// <summary>How well an embedding model's cosine similarities follow gold similarity scores.</summary>
/// <param name="Pearson">Pearson's r of cosine against gold.</param>
/// <param name="Spearman">Spearman's ρ of cosine against gold (the figure STS-B results quote for embedding models).</param>
/// <param name="Pairs">The number of sentence pairs scored.</param>
public sealed record SimilarityScores(double Pearson, double Spearman, int Pairs)
{
    /// <summary>One JSON object: <c>{"pearson": r, "spearman": ρ, "pairs": n}</c>.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("pearson", Pearson);
            json.WriteNumber("spearman", Spearman);
            json.WriteNumber("pairs", Pairs);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>"pearson 0.8703, spearman 0.8667 (1500 pairs)".</summary>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"pearson {Pearson:F4}, spearman {Spearman:F4} ({Pairs} pairs)");
}

/// <summary>
/// Zero-training evaluation of an embedding model on scored sentence pairs (GLUE STS-B): each sentence is embedded
/// once, the cosine of each pair's two vectors is its predicted similarity, and Pearson's r and Spearman's ρ
/// compare the cosines with the gold scores (what sentence-transformers' EmbeddingSimilarityEvaluator reports as
/// cosine Pearson and Spearman).
/// </summary>
public static class SimilarityEvaluation
{
    /// <summary>Scores <paramref name="embedder"/> on a file of sentence pairs with numeric scores, read by
    /// <see cref="SequenceFileReader"/> (STS-B's TSV with sentence1, sentence2 and score columns; CSV; JSONL with
    /// text, text_pair and label).</summary>
    /// <exception cref="InvalidFileException">The file has no second-sentence column, or a score is missing or not a number.</exception>
    public static SimilarityScores Evaluate(SentenceEmbedder embedder, string path)
    {
        var data = SequenceFileReader.Read(path, new SequenceReadOptions { LabelKind = LabelKind.Numeric });
        if (!data.IsPair) throw new InvalidFileException(path, null, $"has no second-sentence column ({string.Join(", ", SequenceFileReader.PairColumns)}): similarity needs sentence pairs");
        return Score(embedder, data.Examples.Select(e => (e.Text, e.TextPair!, (double)e.Value!.Value)).ToArray());
    }

    /// <summary>Scores <paramref name="embedder"/> on sentence pairs with gold scores; a sentence that occurs more
    /// than once is embedded once.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 pairs.</exception>
    public static SimilarityScores Score(SentenceEmbedder embedder, IReadOnlyList<(string First, string Second, double Gold)> pairs)
    {
        if (pairs.Count < 2) throw new ArgumentException($"{pairs.Count} pairs: a correlation needs at least 2", nameof(pairs));
        var sentences = pairs.SelectMany(p => new[] { p.First, p.Second }).Distinct(StringComparer.Ordinal).ToArray();
        var vectors = embedder.Embed(sentences);
        var bySentence = new Dictionary<string, float[]>(StringComparer.Ordinal);
        for (int i = 0; i < sentences.Length; i++) bySentence[sentences[i]] = vectors[i];
        var cosines = pairs.Select(p => Cosine(bySentence[p.First], bySentence[p.Second])).ToArray();
        var gold = pairs.Select(p => p.Gold).ToArray();
        return new SimilarityScores(Correlation.Pearson(gold, cosines), Correlation.Spearman(gold, cosines), pairs.Count);
    }

    /// <summary>a·b / (|a| |b|) in double; 0 when either vector is zero.</summary>
    /// <exception cref="ArgumentException">Vectors of different lengths.</exception>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"vectors of {a.Length} and {b.Length} dimensions");
        double dot = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            aa += (double)a[i] * a[i];
            bb += (double)b[i] * b[i];
        }
        return aa == 0 || bb == 0 ? 0 : dot / Math.Sqrt(aa * bb);
    }
}
