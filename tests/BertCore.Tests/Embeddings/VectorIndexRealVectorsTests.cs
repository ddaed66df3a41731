using BertCore.Data.Tasks;
using BertCore.Embeddings;
using BertCore.Nn.Bert;
using BertCore.Tests.IO;
using BertCore.Tests.IO.Onnx;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Embeddings;

/// <summary>
/// <see cref="VectorIndex"/> on real sentence embeddings: all-MiniLM-L6-v2's mean-pooled, normalized last hidden states
/// of STS-B dev sentences as ONNX Runtime computes them (the oracle of tests/IO/Onnx), against the double-precision
/// brute force, fp32 and int8.
/// </summary>
public class VectorIndexRealVectorsTests(ITestOutputHelper log)
{
    private const string Model = VectorIndexSearchTests.Model;

    [RealModelFact]
    public void Exact_top_k_of_real_embeddings_equals_the_reference_and_int8_keeps_most_hits()
    {
        // Corpus: sentence2 of the first 400 STS-B dev pairs, and 20 of them stored again under other ids (exact
        // ties); queries: sentence1 of the first 60 pairs, whose own sentence2 is usually the best hit.
        var pairs = SequenceFileReader.Read(SharedData.File("pairs", "stsb", "dev.tsv"),
            new SequenceReadOptions { LabelKind = LabelKind.Numeric }).Examples.Take(400).ToArray();
        var vectors = Embed(pairs.Select(p => p.TextPair!).Concat(pairs.Take(60).Select(p => p.Text)).ToArray());
        var rows = vectors[..400].Concat(Enumerable.Range(0, 20).Select(i => vectors[i * 19])).ToArray();
        var ids = Enumerable.Range(0, 400).Select(i => $"pair-{i}").Concat(Enumerable.Range(0, 20).Select(i => $"copy-{i * 19}")).ToArray();
        var queries = vectors[400..];
        using var temp = new TempFolder();
        using var fp32 = VectorIndexSearchTests.Build(temp.File("fp32"), rows, ids, VectorPrecision.Float32, threads: 0);
        using var int8 = VectorIndexSearchTests.Build(temp.File("int8"), rows, ids, VectorPrecision.Int8, threads: 0);

        const int k = 10;
        var found = fp32.Search(queries, k, Model);
        var approximate = int8.Search(queries, k, Model);
        int strict = 0, kept = 0;
        for (int q = 0; q < queries.Length; q++)
        {
            var expected = SearchReference.TopK(rows, ids, queries[q], k + 1);
            double bound = rows.Max(row => SearchReference.Fp32ErrorBound(queries[q], row));
            strict += SearchReference.AssertSameHits(expected, found[q], bound);
            kept += approximate[q].Select(h => h.Id).Intersect(found[q].Select(h => h.Id)).Count();
        }
        double recall = kept / (double)(queries.Length * k);
        log.WriteLine($"{queries.Length} queries over {rows.Length} real vectors: {strict} of {queries.Length * k} positions held to the reference's id; int8 recall@{k} against fp32 {recall:F4}");
        Assert.InRange(strict, queries.Length * k * 8 / 10, queries.Length * k);
        // int8 moves each score by about 1e-3 here, a small fraction of the gaps between neighbours: most hits stay.
        Assert.InRange(recall, 0.9, 1.0);
    }

    /// <summary>The sentences' embeddings [n][384] by ONNX Runtime, in batches of 32 sentences of similar length.</summary>
    private static float[][] Embed(string[] sentences)
    {
        string folder = RealModels.Folder("minilm-l6");
        using var oracle = new OnnxRuntimeOracle(Path.Combine(folder, "model.onnx"));
        var tokenizer = BertTokenizer.FromVocabFile(Path.Combine(folder, "vocab.txt"));
        var result = new float[sentences.Length][];
        var order = Enumerable.Range(0, sentences.Length).OrderBy(i => sentences[i].Length).ToArray();
        foreach (var chunk in order.Chunk(32))
        {
            var encoded = tokenizer.EncodeBatch(chunk.Select(i => sentences[i]).ToArray());
            var batch = new BertBatch(encoded.Batch, encoded.SequenceLength, encoded.InputIds, encoded.TokenTypeIds, encoded.AttentionMask);
            var embedded = EncoderRun.MeanPooledNormalized(oracle.Run(batch)["last_hidden_state"], batch.AttentionMask, batch.Batch, batch.SequenceLength);
            for (int j = 0; j < chunk.Length; j++) result[chunk[j]] = embedded[j];
        }
        return result;
    }
}
