using BertCore.Data;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public sealed class TokenCacheTests : IDisposable
{
    private readonly TempFolder _dir = new();
    private readonly string _vocab;
    private readonly string _text;
    private readonly string _json;
    private readonly string _cache;

    public TokenCacheTests()
    {
        _vocab = _dir.File("vocab.txt");
        _text = _dir.File("a.txt");
        _json = _dir.File("b.jsonl");
        _cache = Path.Combine(_dir.Root, "out", "tokens.cache");
        File.WriteAllLines(_vocab, ToyVocab.Tokens);
        File.WriteAllText(_text, "The cat sat on the mat.\nDogs running!\n\n\u0001\n\nHello, world?\n");
        File.WriteAllText(_json, "{\"text\": \"the dog sat\\nthe cat can't\"}\n{\"text\": \"naive cafe\"}\n");
    }

    public void Dispose() => _dir.Dispose();

    private TokenCache Open(bool lowercase = true) => TokenCache.OpenOrBuild(_cache, [_text, _json], _vocab, lowercase);

    /// <summary>The ids of every document's sentences, tokenized here one by one.</summary>
    private int[][][] Expected(bool lowercase = true)
    {
        var tokenizer = ToyVocab.Tokenizer(lowercase);
        return CorpusReader.Read([_text, _json])
            .Select(d => d.Sentences.Select(s => tokenizer.Encode(s, addSpecialTokens: false).Ids.ToArray()).Where(ids => ids.Length > 0).ToArray())
            .Where(d => d.Length > 0)
            .ToArray();
    }

    private static int[][][] Contents(ITokenCorpus corpus) =>
        Enumerable.Range(0, corpus.DocumentCount).Select(d =>
        {
            (int first, int end) = corpus.DocumentSentences(d);
            return Enumerable.Range(first, end - first).Select(s =>
                corpus.Tokens(corpus.SentenceStart(s), (int)(corpus.SentenceStart(s + 1) - corpus.SentenceStart(s))).ToArray()).ToArray();
        }).ToArray();

    [Fact]
    public void The_first_open_tokenizes_and_the_second_reuses_the_file()
    {
        int[][][] expected = Expected();
        Assert.Equal(4, expected.Length); // the control-character line yields no token, so its document is dropped
        using (TokenCache built = Open())
        {
            Assert.False(built.Reused);
            Assert.Equal(expected, Contents(built));
            Assert.Equal(expected.Sum(d => d.Length), built.SentenceCount);
            Assert.Equal(expected.Sum(d => d.Sum(s => s.Length)), built.TokenCount);
            Assert.Equal(ToyVocab.Tokens.Length, built.VocabularySize);
        }
        DateTime written = File.GetLastWriteTimeUtc(_cache);

        using TokenCache reused = Open();

        Assert.True(reused.Reused);
        Assert.Equal(written, File.GetLastWriteTimeUtc(_cache));
        Assert.Equal(expected, Contents(reused));
    }

    [Fact]
    public void A_changed_corpus_vocabulary_or_casing_rebuilds_the_cache()
    {
        Open().Dispose();
        File.AppendAllText(_text, "\nthe end\n");
        using (TokenCache cache = Open())
        {
            Assert.False(cache.Reused);
            Assert.Equal(Expected(), Contents(cache));
        }

        File.SetLastWriteTimeUtc(_json, File.GetLastWriteTimeUtc(_json).AddSeconds(1));
        using (TokenCache cache = Open())
            Assert.False(cache.Reused);

        File.WriteAllLines(_vocab, ToyVocab.Tokens.Append("extra"));
        using (TokenCache cache = Open())
        {
            Assert.False(cache.Reused);
            Assert.Equal(ToyVocab.Tokens.Length + 1, cache.VocabularySize);
        }

        using (TokenCache cased = Open(lowercase: false))
        {
            Assert.False(cased.Reused);
            Assert.Equal(Expected(lowercase: false), Contents(cased));
        }
        using (TokenCache cased = Open(lowercase: false))
            Assert.True(cased.Reused);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.5)]
    [InlineData(0.99)]
    public void A_damaged_payload_is_a_clear_error(double where)
    {
        Open().Dispose();
        byte[] bytes = File.ReadAllBytes(_cache);
        int at = 160 + (int)((bytes.Length - 160) * where);
        bytes[at] ^= 0x40;
        File.WriteAllBytes(_cache, bytes);

        var e = Assert.Throws<InvalidFileException>(() => Open());

        Assert.Equal(_cache, e.Path);
        Assert.StartsWith("corrupt token cache: the payload does not match its SHA-256", e.Problem);
    }

    [Fact]
    public void A_truncated_cache_is_a_clear_error()
    {
        Open().Dispose();
        byte[] bytes = File.ReadAllBytes(_cache);
        File.WriteAllBytes(_cache, bytes[..^4]);

        var e = Assert.Throws<InvalidFileException>(() => Open());

        Assert.StartsWith("corrupt token cache: the file has", e.Problem);
    }

    [Fact]
    public void A_file_that_is_not_a_cache_is_never_overwritten()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_cache)!);
        File.WriteAllText(_cache, "my precious notes, not a cache at all, long enough to hold a header ......................................................................................................");

        var e = Assert.Throws<InvalidFileException>(() => Open());

        Assert.Contains("not a BertCore token cache", e.Problem);
        Assert.StartsWith("my precious notes", File.ReadAllText(_cache));
    }

    [Fact]
    public void A_corpus_without_tokens_is_an_error_and_writes_nothing()
    {
        File.WriteAllText(_text, "\u0001\u0002\n");
        var e = Assert.Throws<ArgumentException>(() => TokenCache.OpenOrBuild(_cache, [_text], _vocab));
        Assert.Contains("yields no tokens", e.Message);
        Assert.False(File.Exists(_cache));
    }

    [Fact]
    public void Open_validates_and_reads_without_a_corpus_and_ranges_are_checked()
    {
        Open().Dispose();
        using TokenCache cache = TokenCache.Open(_cache);

        Assert.True(cache.Reused);
        Assert.Equal(Expected(), Contents(cache));
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.Tokens(cache.TokenCount - 1, 2).ToArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.DocumentSentences(cache.DocumentCount));
    }

    [Fact]
    public void The_default_path_depends_on_the_corpus_files()
    {
        string folder = _dir.File("out");
        Assert.Equal(TokenCache.DefaultPath(folder, [_text, _json]), TokenCache.DefaultPath(folder, [_text, _json]));
        Assert.NotEqual(TokenCache.DefaultPath(folder, [_text, _json]), TokenCache.DefaultPath(folder, [_text]));
        Assert.StartsWith(folder, TokenCache.DefaultPath(folder, [_text]));
    }
}
