using BertCore.Data;
using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.IO;
using BertCore.Tests.Support;
using Xunit;

namespace BertCore.Tests.Data;

/// <summary>A task's training file read as pretraining text (<see cref="CorpusFormat.TaskFile"/>).</summary>
public class TaskFileCorpusTests
{
    private static CorpusDocument[] Read(string path, SequenceReadOptions? columns = null) =>
        CorpusReader.Read([path], CorpusFormat.TaskFile, columns).ToArray();

    [Fact]
    public void A_single_sentence_file_gives_its_sentences_in_one_document_without_labels()
    {
        using var dir = new TempFolder();
        string path = dir.Write("train.tsv", "sentence\tlabel\nhide new secretions \t0\n   \t1\nthe greatest musicians \t1\n");

        CorpusDocument document = Assert.Single(Read(path));

        Assert.Equal(["hide new secretions ", "the greatest musicians "], document.Sentences);
        Assert.Equal((path, 2), (document.Path, document.Line));
    }

    [Fact]
    public void Sentence_pairs_give_both_sentences_of_each_row_in_order_unless_the_pair_column_is_turned_off()
    {
        using var dir = new TempFolder();
        string path = dir.Write("train.tsv", "index\tsentence1\tsentence2\tlabel\n0\tA premise.\tA hypothesis.\tentailment\n1\tB premise.\tB hypothesis.\tnot_entailment\n");

        Assert.Equal(["A premise.", "A hypothesis.", "B premise.", "B hypothesis."], Assert.Single(Read(path)).Sentences);
        Assert.Equal(["A premise.", "B premise."], Assert.Single(Read(path, new SequenceReadOptions { PairColumn = "" })).Sentences);
        Assert.Equal(["A hypothesis.", "B hypothesis."], Assert.Single(Read(path, new SequenceReadOptions { TextColumn = "sentence2", PairColumn = "" })).Sentences);
    }

    [Fact]
    public void Csv_and_jsonl_task_files_read_as_fine_tuning_reads_them_and_each_file_is_a_document()
    {
        using var dir = new TempFolder();
        string csv = dir.Write("a.csv", "text,label\n\"Hello, world\",pos\nBye,neg\n");
        string jsonl = dir.Write("b.jsonl", "{\"text\": \"one\", \"label\": 1}\n\n{\"text\": \"two\", \"label\": 0}\n");

        var documents = CorpusReader.Read([csv, jsonl], CorpusFormat.TaskFile).ToArray();

        Assert.Equal([["Hello, world", "Bye"], ["one", "two"]], documents.Select(d => d.Sentences.ToArray()));
    }

    [Fact]
    public void A_missing_text_column_is_an_error_naming_the_file_the_line_and_the_column()
    {
        using var dir = new TempFolder();
        string tsv = dir.Write("train.tsv", "sentence\tlabel\ngood\t1\n");
        string unknown = dir.Write("other.tsv", "review\tlabel\ngood\t1\n");
        string jsonl = dir.Write("train.jsonl", "{\"review\": \"a\", \"label\": 1}\n");
        string row = dir.Write("rows.jsonl", "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"label\": 1}\n");

        var named = Assert.Throws<InvalidFileException>(() => Read(tsv, new SequenceReadOptions { TextColumn = "review" }));
        var detected = Assert.Throws<InvalidFileException>(() => Read(unknown));
        var field = Assert.Throws<InvalidFileException>(() => Read(jsonl));
        var missing = Assert.Throws<InvalidFileException>(() => Read(row));

        Assert.StartsWith($"{tsv}:1: no sentence column 'review': the header has 'sentence', 'label'", named.Message);
        Assert.StartsWith($"{unknown}:1: no sentence column: the header has 'review', 'label'; looked for sentence, text", detected.Message);
        Assert.StartsWith($"{jsonl}:1: no sentence field: looked for sentence, text", field.Message);
        Assert.Equal($"{row}:3: missing field 'text'", missing.Message);
    }

    [SharedDataFact]
    public void Sst2_and_rte_training_files_read_as_one_document_of_their_rows_texts_without_labels()
    {
        // Row counts as in each folder's SOURCE.md (and SharedDataTaskTests); the first rows as the files begin.
        CorpusDocument sst2 = Assert.Single(Read(SharedData.File("sst2", "train.tsv")));
        CorpusDocument rte = Assert.Single(Read(SharedData.File("pairs", "rte", "train.tsv")));

        Assert.Equal(67349, sst2.Sentences.Count);
        Assert.Equal("hide new secretions from the parental units ", sst2.Sentences[0]);
        Assert.DoesNotContain(sst2.Sentences, s => s.Contains('\t'));
        Assert.Equal(2 * 2490, rte.Sentences.Count);
        Assert.Equal(["No Weapons of Mass Destruction Found in Iraq Yet.", "Weapons of Mass Destruction Found in Iraq."], rte.Sentences.Take(2));
        Assert.DoesNotContain(rte.Sentences, s => s is "entailment" or "not_entailment");
    }

    [Fact]
    public void The_token_cache_key_changes_with_the_columns()
    {
        using var dir = new TempFolder();
        string path = dir.Write("train.tsv", "sentence1\tsentence2\nalpha beta\tgamma\n");
        string vocab = dir.Write("vocab.txt", string.Join('\n', [.. BertCore.Text.Vocabulary.SpecialTokens, "alpha", "beta", "gamma"]) + "\n");
        string cache = dir.File("tokens.cache");

        using (TokenCache both = TokenCache.OpenOrBuild(cache, [path], vocab, format: CorpusFormat.TaskFile))
            Assert.Equal((2, 3L), (both.SentenceCount, both.TokenCount));
        using TokenCache single = TokenCache.OpenOrBuild(cache, [path], vocab, format: CorpusFormat.TaskFile, columns: new SequenceReadOptions { PairColumn = "" });

        Assert.False(single.Reused);
        Assert.Equal((1, 2L), (single.SentenceCount, single.TokenCount));
    }
}
