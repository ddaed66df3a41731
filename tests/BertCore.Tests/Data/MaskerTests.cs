using BertCore.Data;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class MaskerTests
{
    private static readonly Vocabulary Vocab = MemoryCorpus.Vocabulary();
    private static readonly int NonSpecial = Vocab.Count - Vocabulary.SpecialTokens.Count;

    /// <summary>Rows laid out as [CLS] sentence [SEP] sentence [SEP] from a random corpus (with [UNK]s inside).</summary>
    private static readonly int[][] Rows = RandomRows(2000);

    private static int[][] RandomRows(int count)
    {
        var corpus = MemoryCorpus.Random(Vocab, documents: count, minSentences: 2, maxSentences: 2, minLength: 5, maxLength: 60, seed: 9);
        return Enumerable.Range(0, count).Select(d =>
        {
            (int first, _) = corpus.DocumentSentences(d);
            int[] Sentence(int s) => corpus.Tokens(corpus.SentenceStart(s), (int)(corpus.SentenceStart(s + 1) - corpus.SentenceStart(s))).ToArray();
            return (int[])[Vocab.ClsId, .. Sentence(first), Vocab.SepId, .. Sentence(first + 1), Vocab.SepId];
        }).ToArray();
    }

    private sealed record Masked(int[] Original, int[] Ids, int[] Labels)
    {
        public IEnumerable<int> Chosen => Enumerable.Range(0, Ids.Length).Where(i => Labels[i] != Masker.Ignore);
    }

    private static Masked[] MaskAll(PretrainingDataOptions options, ImportanceWeights? importance = null, int[][]? rows = null)
    {
        var masker = new Masker(Vocab, options, importance);
        return (rows ?? Rows).Select((row, r) =>
        {
            int[] ids = row.ToArray(), labels = new int[row.Length];
            masker.Mask(ids, labels, new RandomStream(77, RandomPurpose.Masking, 0, (ulong)r));
            return new Masked(row, ids, labels);
        }).ToArray();
    }

    /// <summary>Words as [start, end) position ranges: a non-special token and the ## tokens right after it.</summary>
    private static List<(int Start, int End)> Words(int[] row)
    {
        var words = new List<(int Start, int End)>();
        for (int i = 0; i < row.Length; i++)
        {
            if (Vocab.IsSpecial(row[i]))
                continue;
            if (Vocab[row[i]].StartsWith("##") && words.Count > 0 && words[^1].End == i)
                words[^1] = (words[^1].Start, i + 1);
            else
                words.Add((i, i + 1));
        }
        return words;
    }

    [Theory]
    [InlineData(MaskingStrategy.Token)]
    [InlineData(MaskingStrategy.WholeWord)]
    [InlineData(MaskingStrategy.Span)]
    public void Specials_are_never_chosen_and_unchosen_tokens_never_change(MaskingStrategy strategy)
    {
        foreach (Masked m in MaskAll(new PretrainingDataOptions { Masking = strategy }))
            for (int i = 0; i < m.Ids.Length; i++)
            {
                if (m.Labels[i] == Masker.Ignore)
                    Assert.Equal(m.Original[i], m.Ids[i]);
                else
                {
                    Assert.Equal(m.Original[i], m.Labels[i]);
                    Assert.False(Vocab.IsSpecial(m.Original[i]));
                    Assert.True(m.Ids[i] == Vocab.MaskId || !Vocab.IsSpecial(m.Ids[i]), "a random replacement is never special");
                }
            }
    }

    [Fact]
    public void Token_masking_chooses_15_percent_of_the_non_special_tokens_of_every_row()
    {
        long chosen = 0, candidates = 0;
        foreach (Masked m in MaskAll(new PretrainingDataOptions()))
        {
            int n = m.Original.Count(id => !Vocab.IsSpecial(id));
            Assert.Equal(Math.Max(1, (int)Math.Round(0.15 * n, MidpointRounding.ToEven)), m.Chosen.Count());
            chosen += m.Chosen.Count();
            candidates += n;
        }
        Binomial.AssertRate(chosen, candidates, 0.15, "chosen");
    }

    [Theory]
    [InlineData(MaskingStrategy.Token, 0.8, 0.1)]
    [InlineData(MaskingStrategy.WholeWord, 0.8, 0.1)]
    [InlineData(MaskingStrategy.Token, 0.6, 0.3)]
    public void Chosen_tokens_become_mask_random_or_stay_in_the_configured_split(MaskingStrategy strategy, double mask, double random)
    {
        var masked = MaskAll(new PretrainingDataOptions { Masking = strategy, MaskTokenFraction = mask, RandomTokenFraction = random });
        var chosen = masked.SelectMany(m => m.Chosen.Select(i => (Original: m.Original[i], Now: m.Ids[i]))).ToArray();

        Binomial.AssertRate(chosen.Count(c => c.Now == Vocab.MaskId), chosen.Length, mask, "[MASK]");
        // A random replacement draws the original token again with probability 1 / (non-special tokens).
        double unchanged = 1 - mask - random + random / NonSpecial;
        Binomial.AssertRate(chosen.Count(c => c.Now == c.Original), chosen.Length, unchanged, "unchanged");
        Binomial.AssertRate(chosen.Count(c => c.Now != c.Original && c.Now != Vocab.MaskId), chosen.Length, random - random / NonSpecial, "random");
    }

    [Theory]
    [InlineData(MaskingStrategy.WholeWord)]
    [InlineData(MaskingStrategy.Span)]
    public void Whole_words_are_never_split_and_the_budget_is_never_exceeded(MaskingStrategy strategy)
    {
        long chosen = 0, candidates = 0;
        foreach (Masked m in MaskAll(new PretrainingDataOptions { Masking = strategy }))
        {
            foreach ((int start, int end) in Words(m.Original))
            {
                int labelled = Enumerable.Range(start, end - start).Count(i => m.Labels[i] != Masker.Ignore);
                Assert.True(labelled == 0 || labelled == end - start, $"word [{start}, {end}) is split");
            }
            int n = m.Original.Count(id => !Vocab.IsSpecial(id));
            Assert.InRange(m.Chosen.Count(), 0, Math.Max(1, (int)Math.Round(0.15 * n, MidpointRounding.ToEven)));
            chosen += m.Chosen.Count();
            candidates += n;
        }
        Assert.InRange((double)chosen / candidates, 0.13, 0.15); // words that do not fit leave the budget a little short
    }

    [Fact]
    public void Span_lengths_follow_the_truncated_geometric_distribution()
    {
        double[] p = Enumerable.Range(1, 10).Select(l => 0.2 * Math.Pow(0.8, l - 1)).ToArray();
        double total = p.Sum();
        var random = new Random(3);
        const int draws = 200_000;
        var counts = new int[11];
        for (int i = 0; i < draws; i++)
            counts[Masker.SpanLength(random.NextDouble())]++;

        Assert.Equal(0, counts[0]);
        for (int l = 1; l <= 10; l++)
            Binomial.AssertRate(counts[l], draws, p[l - 1] / total, $"length {l}");
        double mean = Enumerable.Range(1, 10).Sum(l => (double)l * counts[l]) / draws;
        Assert.Equal(3.8, mean, 0.05); // SpanBERT's reported mean span length
    }

    [Fact]
    public void Span_masking_masks_runs_of_adjacent_words_and_whole_word_masking_mostly_single_words()
    {
        double MeanRunInWords(MaskingStrategy strategy)
        {
            long runs = 0, words = 0;
            foreach (Masked m in MaskAll(new PretrainingDataOptions { Masking = strategy }))
            {
                bool previous = false;
                foreach ((int start, _) in Words(m.Original))
                {
                    bool masked = m.Labels[start] != Masker.Ignore;
                    if (masked && !(previous && m.Labels[start - 1] != Masker.Ignore))
                        runs++;
                    words += masked ? 1 : 0;
                    previous = masked;
                }
            }
            return (double)words / runs;
        }

        double span = MeanRunInWords(MaskingStrategy.Span), wholeWord = MeanRunInWords(MaskingStrategy.WholeWord);
        Assert.InRange(wholeWord, 1, 1.3);
        // Rows hold ~60 tokens, so the budget is ~9 tokens (~5 words): it cuts many spans short of their drawn
        // length (mean 3.8), and the runs come out well below that, but far longer than single words.
        Assert.InRange(span, 1.8, 3.8);
    }

    [Fact]
    public void The_prediction_cap_limits_every_row()
    {
        Assert.All(MaskAll(new PretrainingDataOptions { MaxPredictionsPerSequence = 3 }), m => Assert.InRange(m.Chosen.Count(), 1, 3));
    }

    [Fact]
    public void Importance_weights_mask_heavy_tokens_first_and_zero_weight_tokens_never()
    {
        int never = Vocab.IdOf("w0"), heavy = Vocab.IdOf("w1");
        var weights = Enumerable.Repeat(1f, Vocab.Count).ToArray();
        weights[never] = 0;
        weights[heavy] = 50;
        var masked = MaskAll(new PretrainingDataOptions(), new ImportanceWeights(weights));

        double Rate(Func<int, bool> which) =>
            (double)masked.Sum(m => m.Chosen.Count(i => which(m.Original[i]))) / masked.Sum(m => m.Original.Count(which));

        Assert.Equal(0, Rate(id => id == never));
        double heavyRate = Rate(id => id == heavy), otherRate = Rate(id => id != never && id != heavy && !Vocab.IsSpecial(id));
        Assert.True(heavyRate > 4 * otherRate, $"weight 50 masked at {heavyRate:F3}, weight 1 at {otherRate:F3}");
        Assert.True(heavyRate > 0.6, $"weight 50 masked at {heavyRate:F3}");
    }

    [Fact]
    public void An_importance_file_is_read_as_token_tab_weight()
    {
        using var dir = new TempFolder();
        string path = dir.File("importance.tsv");
        File.WriteAllText(path, "w3\t2.5\n\n##p1\t0\r\nw4\t 1e1 \n");

        var weights = ImportanceWeights.Load(path, Vocab, unlistedWeight: 0.5f);

        Assert.Equal(Vocab.Count, weights.Count);
        Assert.Equal(2.5f, weights[Vocab.IdOf("w3")]);
        Assert.Equal(0f, weights[Vocab.IdOf("##p1")]);
        Assert.Equal(10f, weights[Vocab.IdOf("w4")]);
        Assert.Equal(0.5f, weights[Vocab.IdOf("w5")]);
    }

    [Theory]
    [InlineData("w3\t1\nw4 2\n", 2, "expected token<TAB>weight")]
    [InlineData("w3\t-1\n", 1, "weight '-1' is not a finite number ≥ 0")]
    [InlineData("w3\tNaN\n", 1, "weight 'NaN' is not a finite number ≥ 0")]
    [InlineData("w3\t1\nnope\t1\n", 2, "token 'nope' is not in the vocabulary")]
    [InlineData("w3\t1\n\nw3\t2\n", 3, "token 'w3' is already listed on line 1")]
    public void Importance_file_errors_name_the_file_and_line(string content, int line, string problem)
    {
        using var dir = new TempFolder();
        string path = dir.File("importance.tsv");
        File.WriteAllText(path, content);

        var e = Assert.Throws<InvalidFileException>(() => ImportanceWeights.Load(path, Vocab));

        Assert.Equal((path, line, problem), (e.Path, e.Line, e.Problem));
    }
}
