using BertCore.Embeddings;
using BertCore.Tests.IO;
using Xunit;

namespace BertCore.Tests.Embeddings;

/// <summary>Exact top-k of <see cref="VectorIndex"/> against the double-precision brute force of <see cref="SearchReference"/>.</summary>
public class VectorIndexSearchTests
{
    internal const string Model = "test-model";

    [Theory]
    [InlineData(77, 1)]     // 77 = 4·16 + 8 + 5: the 16-value loop, the one 8-value chunk and the scalar tail
    [InlineData(384, 0)]    // all-MiniLM-L6-v2's width, on every processor
    [InlineData(5, 2)]      // the scalar tail alone
    public void Grid_vectors_with_many_exact_ties_give_the_reference_hits_and_scores_exactly(int d, int threads)
    {
        // Values in quarter steps: fp32 scores are exact, so hits and scores must equal the reference bit for bit,
        // and ties (a few hundred rows share each score) must be broken by id. 9,001 rows: not a multiple of the four-
        // row loop nor of the 256-row block, and over two 4,096-row parts (several threads).
        var rows = SearchReference.GridVectors(9001, d, seed: 1);
        var ids = SearchReference.ShuffledIds(rows.Length, seed: 2);
        var queries = SearchReference.GridVectors(12, d, seed: 3);
        using var temp = new TempFolder();
        using var index = Build(temp.File("index"), rows, ids, VectorPrecision.Float32, threads);

        foreach (int k in new[] { 1, 10, 300 })
        {
            var batch = index.Search(queries, k, Model);
            for (int q = 0; q < queries.Length; q++)
            {
                var expected = SearchReference.TopK(rows, ids, queries[q], k);
                Assert.Equal(expected.Select(h => (h.Id, (float)h.Score)), batch[q].Select(h => (h.Id, h.Score)));
                Assert.Equal(batch[q], index.Search(queries[q], k, Model));   // alone as in the batch
            }
            if (k == 300) Assert.Contains(batch, hits => hits.Zip(hits.Skip(1)).Any(p => p.First.Score == p.Second.Score));   // ties were there
        }
    }

    [Fact]
    public void Unit_vectors_with_planted_duplicates_give_the_reference_hits()
    {
        // Continuous random unit vectors (D = 384, 6,000 rows); each query is a stored row, stored twice more under
        // other ids, so its three best hits tie exactly (equal vectors score equal bits) and go by id.
        var rows = SearchReference.UnitVectors(6000, 384, seed: 4).ToList();
        var ids = SearchReference.ShuffledIds(rows.Count + 40, seed: 5);
        var queries = Enumerable.Range(0, 20).Select(i => rows[i * 97]).ToArray();
        foreach (var q in queries) rows.AddRange([q, q]);
        using var temp = new TempFolder();
        using var index = Build(temp.File("index"), rows, ids, VectorPrecision.Float32, threads: 0);

        const int k = 12;
        var found = index.Search(queries, k, Model);
        int strict = 0;
        for (int q = 0; q < queries.Length; q++)
        {
            var expected = SearchReference.TopK(rows, ids, queries[q], k + 1);
            double bound = rows.Max(row => SearchReference.Fp32ErrorBound(queries[q], row));   // about 2.3e-5 here
            strict += SearchReference.AssertSameHits(expected, found[q], bound);
            Assert.Equal(3, found[q].Count(h => h.Score == found[q][0].Score));
        }
        // Most positions are far from a near-tie (where fp32 may order differently from double), so most were held to the id.
        Assert.InRange(strict, queries.Length * k * 8 / 10, queries.Length * k);
    }

    [Fact]
    public void Int8_scores_are_the_stored_scale_times_the_exact_dot_product_with_the_stored_integers()
    {
        // Rows: random unit vectors and planted copies; queries in quarter steps, so that Σ query·int8 is exact in fp32
        // and the score, one fp32 product with the row's scale, must equal the scalar reference bit for bit. The
        // reference reads the stored integers and scales from the file.
        int d = 100;   // three 32-value steps and a scalar tail of 4
        var rows = SearchReference.UnitVectors(5003, d, seed: 6).ToList();
        for (int i = 0; i < 30; i++) rows.Add(rows[i * 11]);
        var ids = SearchReference.ShuffledIds(rows.Count, seed: 7);
        var queries = SearchReference.GridVectors(10, d, seed: 8);
        using var temp = new TempFolder();
        using var index = Build(temp.File("index"), rows, ids, VectorPrecision.Int8, threads: 0);
        var (stored, scales) = StoredInt8.Read(temp.File("index"), rows.Count, d);

        var found = index.Search(queries, 25, Model);
        for (int q = 0; q < queries.Length; q++)
        {
            var scores = Enumerable.Range(0, rows.Count).Select(r =>
                (double)(float)(scales[r] * Enumerable.Range(0, d).Sum(i => (double)queries[q][i] * stored[r][i]))).ToArray();
            var expected = SearchReference.TopK(scores, ids, 25);
            Assert.Equal(expected.Select(h => (h.Id, (float)h.Score)), found[q].Select(h => (h.Id, h.Score)));
        }
    }

    [Fact]
    public void Int8_rows_are_within_half_a_step_of_the_vectors_added()
    {
        var rows = SearchReference.UnitVectors(300, 384, seed: 9);
        rows[7] = new float[384];                       // a zero row: scale 0, all zeros
        rows[8] = rows[9].Select(v => v * 1e-3f).ToArray();   // a small one: its own scale
        using var temp = new TempFolder();
        using (Build(temp.File("index"), rows, SearchReference.ShuffledIds(300, seed: 10), VectorPrecision.Int8, threads: 1)) { }
        var (stored, scales) = StoredInt8.Read(temp.File("index"), rows.Length, 384);

        for (int r = 0; r < rows.Length; r++)
        {
            double max = rows[r].Max(v => Math.Abs((double)v));
            // The scale is max |v| / 127 rounded to fp32; each value within half a step (plus fp32's rounding of v / scale).
            Assert.Equal((float)(max / 127), scales[r], 1e-6f * (float)(max / 127) + float.Epsilon);
            for (int i = 0; i < 384; i++)
                Assert.InRange(Math.Abs(rows[r][i] - (double)scales[r] * stored[r][i]), 0, scales[r] * (0.5 + 1e-5));
        }
        Assert.Equal(0f, scales[7]);
        Assert.All(stored[7], v => Assert.Equal(0, v));
    }

    [Fact]
    public void An_empty_index_finds_nothing_and_k_above_the_count_finds_every_document()
    {
        using var temp = new TempFolder();
        using var index = VectorIndex.Create(temp.File("index"), Model, 8);
        Assert.Empty(index.Search(new float[8], 5, Model));
        index.Add(Model, [("b", "bee"), ("a", "ay")], [[1, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0]]);

        var hits = index.Search([1, 1, 0, 0, 0, 0, 0, 0], 5, Model);

        Assert.Equal([new SearchHit("a", "ay", 1f), new SearchHit("b", "bee", 1f)], hits);   // a tie: by id
        Assert.Equal(hits, index.Search([1, 1, 0, 0, 0, 0, 0, 0], int.MaxValue, Model));   // no room is reserved for k
    }

    /// <summary>An index of <paramref name="rows"/> with <paramref name="ids"/> (texts "text of ID"), added in two Adds.</summary>
    internal static VectorIndex Build(string dir, IReadOnlyList<float[]> rows, IReadOnlyList<string> ids, VectorPrecision precision, int threads)
    {
        var index = VectorIndex.Create(dir, Model, rows[0].Length, precision, threads: threads);
        int half = rows.Count / 2;
        foreach (var (from, to) in new[] { (0, half), (half, rows.Count) })
            index.Add(Model, ids.Skip(from).Take(to - from).Select(id => (id, "text of " + id)).ToArray(), rows.Skip(from).Take(to - from).ToArray());
        return index;
    }
}
