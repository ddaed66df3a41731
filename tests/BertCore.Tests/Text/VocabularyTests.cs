using BertCore.IO;
using BertCore.Tests.Support;
using BertCore.Text;
using Xunit;

namespace BertCore.Tests.Text;

public class VocabularyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bertcore-vocab-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string content)
    {
        string path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllText(path, content, new System.Text.UTF8Encoding(false));
        return path;
    }

    private const string Specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";

    [Fact]
    public void Ids_are_line_indices_with_lf_crlf_or_cr_line_ends()
    {
        var vocab = Vocabulary.Load(Write("hello\r\n[PAD]\r[UNK]\n[CLS]\r\n[SEP]\n[MASK]\r\n##lo\r\n"));

        Assert.Equal(7, vocab.Count);
        Assert.Equal(["hello", "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "##lo"], vocab.Tokens);
        Assert.Equal((1, 2, 3, 4, 5), (vocab.PadId, vocab.UnknownId, vocab.ClsId, vocab.SepId, vocab.MaskId));
        Assert.True(vocab.TryGetId("##lo", out int id));
        Assert.Equal(6, id);
        Assert.Equal("hello", vocab[0]);
        Assert.Equal(2, vocab.IdOf("absent"));
    }

    [Fact]
    public void A_final_line_without_newline_and_a_leading_bom_are_accepted()
    {
        var vocab = Vocabulary.Load(Write("\uFEFF" + Specials + "last"));

        Assert.Equal("[PAD]", vocab[0]);
        Assert.Equal("last", vocab[5]);
        Assert.Equal(6, vocab.Count);
    }

    [Fact]
    public void Missing_file_names_the_path()
    {
        string path = Path.Combine(_dir, "absent.txt");
        var e = Assert.Throws<FileNotFoundException>(() => Vocabulary.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Empty_file_is_rejected()
    {
        string path = Write("");
        var e = Assert.Throws<InvalidFileException>(() => Vocabulary.Load(path));
        Assert.Null(e.Line);
        Assert.Equal($"{path}: empty vocabulary (no tokens)", e.Message);
    }

    [Fact]
    public void Duplicate_token_names_file_and_line()
    {
        string path = Write(Specials + "cat\ndog\ncat\n");
        var e = Assert.Throws<InvalidFileException>(() => Vocabulary.Load(path));
        Assert.Equal(8, e.Line);
        Assert.StartsWith($"{path}:8: duplicate token 'cat'", e.Message);
        Assert.Contains("line 6", e.Message);
    }

    [Fact]
    public void Empty_line_names_the_line()
    {
        string path = Write(Specials + "cat\n\ndog\n");
        var e = Assert.Throws<InvalidFileException>(() => Vocabulary.Load(path));
        Assert.Equal($"{path}:7: empty token", e.Message);
    }

    [Fact]
    public void Missing_special_token_is_named()
    {
        string path = Write("[PAD]\n[UNK]\n[CLS]\n[SEP]\ncat\n");
        var e = Assert.Throws<InvalidFileException>(() => Vocabulary.Load(path));
        Assert.Equal($"{path}: required special token [MASK] is missing", e.Message);
    }

    [Fact]
    public void Invalid_utf8_names_the_line()
    {
        string path = Path.Combine(_dir, "vocab.txt");
        File.WriteAllBytes(path, [.. System.Text.Encoding.UTF8.GetBytes(Specials + "ok\n"), 0x63, 0xC3, 0x28, 0x0A]);
        var e = Assert.Throws<InvalidFileException>(() => Vocabulary.Load(path));
        Assert.Equal($"{path}:7: invalid UTF-8", e.Message);
    }

    [Fact]
    public void In_memory_vocabulary_rejects_duplicates_and_missing_specials()
    {
        Assert.Throws<ArgumentException>(() => new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "[PAD]"]));
        Assert.Throws<ArgumentException>(() => new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]"]));
        Assert.Throws<ArgumentException>(() => new Vocabulary([]));
    }

    [Fact]
    public void Save_writes_lf_lines_with_a_final_newline_and_loads_back()
    {
        var vocab = new Vocabulary(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "café", "##博"]);
        string path = Path.Combine(_dir, "saved.txt");

        vocab.Save(path);

        Assert.Equal(System.Text.Encoding.UTF8.GetBytes("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\ncafé\n##博\n"), File.ReadAllBytes(path));
        Assert.Equal(vocab.Tokens, Vocabulary.Load(path).Tokens);
    }

    [SharedDataTheory]
    [InlineData("bert-base-uncased", 30522)]
    [InlineData("bert-base-cased", 28996)]
    [InlineData("bert-base-chinese", 21128)]
    public void Real_vocabularies_load_with_their_documented_sizes_and_save_byte_identical(string name, int size)
    {
        string source = SharedData.File("vocab", name + "-vocab.txt");
        var vocab = Vocabulary.Load(source);
        string copy = Path.Combine(_dir, name + ".txt");
        vocab.Save(copy);

        Assert.Equal(size, vocab.Count);
        // Documented in shared/data/vocab/SOURCE.md for all three files.
        Assert.Equal((0, 100, 101, 102, 103), (vocab.PadId, vocab.UnknownId, vocab.ClsId, vocab.SepId, vocab.MaskId));
        Assert.Equal(File.ReadAllBytes(source), File.ReadAllBytes(copy));
    }
}
