using System.Text;
using BertCore.Data;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class WordPieceTrainerTests
{
    private static readonly string[] Lexicon =
    [
        "the", "The", "of", "and", "to", "in", "is", "was", "for", "that", "running", "runner", "runs", "played",
        "playing", "player", "players", "unplayable", "Washington", "washing", "washed", "café", "naïve", "Zürich",
        "hello", "world", "tokenization", "tokenizer", "token", "tokens", "BERT", "pretraining", "training", "trained",
        "model", "models", "modelling", "ø", "日本", "über", "sing", "singer", "singing", "ring", "rings", "ringing",
    ];

    /// <summary>Deterministic sentences over <see cref="Lexicon"/>, frequent words first (Zipf-like), with punctuation.</summary>
    internal static List<string> Sentences(int count, int seed)
    {
        var random = new Random(seed);
        var sentences = new List<string>();
        for (int s = 0; s < count; s++)
        {
            var words = Enumerable.Range(0, random.Next(4, 14))
                .Select(_ => Lexicon[(int)(Lexicon.Length * Math.Pow(random.NextDouble(), 2))]);
            sentences.Add(string.Join(' ', words) + (random.Next(3) == 0 ? "!" : "."));
        }
        return sentences;
    }

    private static Vocabulary Train(IEnumerable<string> texts, int size, bool lowercase = true, int minFrequency = 2, int alphabetLimit = 1000)
    {
        var trainer = new WordPieceTrainer(size, lowercase, minFrequency, alphabetLimit);
        foreach (string text in texts)
            trainer.AddText(text);
        return trainer.Train();
    }

    [Fact]
    public void Special_tokens_come_first_in_BERT_order_and_the_size_is_respected()
    {
        Vocabulary vocabulary = Train(Sentences(300, seed: 1), size: 150);

        Assert.Equal(150, vocabulary.Count);
        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"], vocabulary.Tokens.Take(5));
        Assert.Equal(vocabulary.Count, vocabulary.Tokens.Distinct().Count());
    }

    [Fact]
    public void Counts_added_with_a_weight_train_as_the_text_repeated_that_many_times_and_a_seen_word_counts_at_least_once()
    {
        List<string> texts = Sentences(200, seed: 5);
        var once = new WordPieceTrainer(180);
        foreach (string text in texts)
            once.AddText(text);
        var weighted = new WordPieceTrainer(180);
        weighted.Add(once, 3);
        var faint = new WordPieceTrainer(180);
        faint.Add(once, 1e-9);

        Assert.Equal(Train([.. texts, .. texts, .. texts], size: 180).Tokens, weighted.Train().Tokens);
        Assert.Equal(3 * once.WordCount, weighted.WordCount);
        Assert.Equal((once.DistinctWords, (long)once.DistinctWords), (faint.DistinctWords, faint.WordCount));
        Assert.Throws<ArgumentException>(() => weighted.Add(new WordPieceTrainer(180, lowercase: false), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => weighted.Add(once, 0));
    }

    [Theory]
    [InlineData(true, 2, 1000, 200)]
    [InlineData(false, 2, 1000, 260)]
    [InlineData(true, 1, 20, 120)]
    [InlineData(true, 40, 1000, 400)]
    public void Matches_a_naive_retrain_every_merge_reference(bool lowercase, int minFrequency, int alphabetLimit, int size)
    {
        List<string> texts = Sentences(300, seed: 2);

        Vocabulary vocabulary = Train(texts, size, lowercase, minFrequency, alphabetLimit);

        Assert.Equal(NaiveTrain(texts, size, lowercase, minFrequency, alphabetLimit), vocabulary.Tokens);
    }

    [Fact]
    public void Training_is_deterministic()
    {
        List<string> texts = Sentences(200, seed: 3);
        Assert.Equal(Train(texts, 180).Tokens, Train(texts, 180).Tokens);
    }

    [Fact]
    public void The_written_vocabulary_loads_in_BertTokenizer_which_spells_the_corpus_without_unknowns()
    {
        using var dir = new TempFolder();
        List<string> texts = Sentences(400, seed: 4);
        Vocabulary trained = Train(texts, 300);
        string path = dir.File("vocab.txt");
        trained.Save(path);

        var tokenizer = BertTokenizer.FromVocabFile(path);

        Assert.Equal(trained.Tokens, tokenizer.Vocabulary.Tokens);
        foreach (string text in texts.Take(50))
        {
            var ids = tokenizer.Encode(text, addSpecialTokens: false).Ids;
            Assert.DoesNotContain(tokenizer.Vocabulary.UnknownId, ids);
            string words = string.Join(' ', tokenizer.BasicTokenizer.Tokenize(text));
            Assert.Equal(words, string.Join(' ', TokenDecoderWords(tokenizer, ids)));
        }
        Assert.Equal("the runner was playing", tokenizer.Decode(tokenizer.Encode("The runner was playing").Ids));
        Assert.Single(tokenizer.Tokenize("the"));
    }

    /// <summary>The tokens glued back into words (## pieces joined to the word before).</summary>
    private static IEnumerable<string> TokenDecoderWords(BertTokenizer tokenizer, IReadOnlyList<int> ids)
    {
        var word = new StringBuilder();
        foreach (int id in ids)
        {
            string token = tokenizer.Vocabulary[id];
            if (token.StartsWith("##"))
            {
                word.Append(token.AsSpan(2));
                continue;
            }
            if (word.Length > 0)
                yield return word.ToString();
            word.Clear().Append(token);
        }
        if (word.Length > 0)
            yield return word.ToString();
    }

    [Fact]
    public void Cased_training_keeps_capitals_and_accents_and_uncased_does_not()
    {
        List<string> texts = Sentences(300, seed: 5);

        Assert.Contains("W", Train(texts, 120, lowercase: false).Tokens);
        Assert.Contains("##é", Train(texts, 120, lowercase: false).Tokens);
        Assert.DoesNotContain("W", Train(texts, 120).Tokens);
        Assert.DoesNotContain("##é", Train(texts, 120).Tokens);
    }

    [Fact]
    public void The_alphabet_limit_keeps_the_most_frequent_characters()
    {
        string[] texts = ["aaaa bbb cc d", "aaaa bbb cc"];

        var tokens = Train(texts, 30, minFrequency: 100, alphabetLimit: 2).Tokens;

        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "##a", "##b"], tokens);
    }

    [Fact]
    public void Merging_stops_at_the_minimum_frequency()
    {
        string[] texts = ["ab ab ab cd"];

        Assert.Equal(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "a", "b", "c", "d", "##b", "##d", "ab"], Train(texts, 100, minFrequency: 3).Tokens);
        Assert.Equal(13, Train(texts, 100, minFrequency: 1).Count);
    }

    [Fact]
    public void A_size_below_the_alphabet_or_no_text_is_an_error()
    {
        var trainer = new WordPieceTrainer(10);
        Assert.Throws<InvalidOperationException>(() => trainer.Train());
        trainer.AddText("abcdef ghijkl");
        Assert.Contains("cannot hold", Assert.Throws<InvalidOperationException>(() => trainer.Train()).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WordPieceTrainer(5));
    }

    [SharedDataFact]
    public void Trains_on_WikiText2_and_tokenizes_it()
    {
        string path = SharedData.File("corpus", "wikitext-2-raw", "wiki.test.raw");
        var trainer = new WordPieceTrainer(2000);
        var lines = CorpusReader.Read([path]).SelectMany(d => d.Sentences).ToList();
        foreach (string line in lines)
            trainer.AddText(line);

        var tokenizer = new BertTokenizer(trainer.Train());

        Assert.Equal(2000, tokenizer.Vocabulary.Count);
        Assert.Equal(Vocabulary.SpecialTokens, tokenizer.Vocabulary.Tokens.Take(5));
        int unknown = 0, total = 0;
        foreach (string line in lines.Take(200))
        {
            var ids = tokenizer.Encode(line, addSpecialTokens: false, truncation: Truncation.None).Ids;
            unknown += ids.Count(id => id == tokenizer.Vocabulary.UnknownId);
            total += ids.Count;
            Assert.Equal(string.Join(' ', tokenizer.BasicTokenizer.Tokenize(line)).Replace("[UNK]", ""),
                string.Join(' ', TokenDecoderWords(tokenizer, ids)).Replace("[UNK]", ""));
        }
        Assert.True(unknown <= total / 1000, $"{unknown} [UNK] in {total} tokens");
        foreach (string word in new[] { "the", "of", "and", "was", "in" })
            Assert.Single(tokenizer.Tokenize(word));
    }

    /// <summary>
    /// The training described in <see cref="WordPieceTrainer"/>'s remarks, written the slow and obvious way: all
    /// pair counts are recounted from scratch before every merge.
    /// </summary>
    private static List<string> NaiveTrain(IEnumerable<string> texts, int size, bool lowercase, int minFrequency, int alphabetLimit)
    {
        var basic = new BasicTokenizer(lowerCase: lowercase);
        var wordCounts = new Dictionary<string, long>();
        foreach (string text in texts)
            foreach (string word in basic.Tokenize(text))
                wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
        var charCounts = new Dictionary<string, long>();
        foreach ((string word, long count) in wordCounts)
            foreach (Rune r in word.EnumerateRunes())
                charCounts[r.ToString()] = charCounts.GetValueOrDefault(r.ToString()) + count;
        var alphabet = charCounts.OrderByDescending(c => c.Value).ThenBy(c => char.ConvertToUtf32(c.Key, 0)).Take(alphabetLimit)
            .Select(c => c.Key).OrderBy(c => char.ConvertToUtf32(c, 0)).ToList();
        var tokens = new List<string>(Vocabulary.SpecialTokens);
        tokens.AddRange(alphabet);
        tokens.AddRange(alphabet.Where(c => wordCounts.Keys.Any(w => w.EnumerateRunes().Skip(1).Any(r => r.ToString() == c))).Select(c => "##" + c));
        var words = wordCounts.Select(w => (Symbols: w.Key.EnumerateRunes().Select((r, i) => i == 0 ? r.ToString() : "##" + r)
            .Where(tokens.Contains).ToList(), Count: w.Value)).ToList();
        while (tokens.Count < size)
        {
            var pairs = new Dictionary<(string, string), long>();
            foreach ((List<string> symbols, long count) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
            if (pairs.Count == 0)
                break;
            var best = pairs.OrderByDescending(p => p.Value).ThenBy(p => tokens.IndexOf(p.Key.Item1)).ThenBy(p => tokens.IndexOf(p.Key.Item2)).First();
            if (best.Value < minFrequency)
                break;
            (string a, string b) = best.Key;
            string merged = a + (b.StartsWith("##") ? b[2..] : b);
            if (!tokens.Contains(merged))
                tokens.Add(merged);
            foreach ((List<string> symbols, _) in words)
                for (int i = 0; i + 1 < symbols.Count; i++)
                    if (symbols[i] == a && symbols[i + 1] == b)
                    {
                        symbols[i] = merged;
                        symbols.RemoveAt(i + 1);
                    }
        }
        return tokens;
    }
}
