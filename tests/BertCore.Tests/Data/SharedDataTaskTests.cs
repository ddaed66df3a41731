using BertCore.Data.Tasks;
using BertCore.Metrics;
using BertCore.Tests.Support;
using BertCore.Tests.Text;
using Xunit;
using Xunit.Abstractions;

namespace BertCore.Tests.Data;

/// <summary>
/// Every task file in ../shared/data read by the task readers; the expected counts are the ones in each folder's
/// SOURCE.md (which match the published dataset statistics).
/// </summary>
public class SharedDataTaskTests(ITestOutputHelper output)
{
    private static Dictionary<string, int> Count(IEnumerable<string?> labels) =>
        labels.GroupBy(l => l ?? "(none)").ToDictionary(g => g.Key, g => g.Count());

    [SharedDataTheory]
    [InlineData("train.tsv", 67349, 37569, 29780)]
    [InlineData("dev.tsv", 872, 444, 428)]
    public void Sst2(string file, int rows, int positive, int negative)
    {
        SequenceDataset d = SequenceFileReader.Read(SharedData.File("sst2", file));

        Assert.Equal(rows, d.Examples.Count);
        Assert.Equal(new Dictionary<string, int> { ["1"] = positive, ["0"] = negative }, Count(d.Examples.Select(e => e.Label)));
        Assert.False(d.IsPair);
        Assert.Equal(["0", "1"], LabelVocabulary.FromLabels(d.Examples.Select(e => e.Label)).Labels);
    }

    [SharedDataFact]
    public void Sst2_first_rows_and_unlabeled_test()
    {
        Assert.Equal(new SequenceExample("hide new secretions from the parental units ", null, "0", null, 2),
            SequenceFileReader.Read(SharedData.File("sst2", "train.tsv")).Examples[0]);
        Assert.Equal("it 's a charming and often affecting journey . ", SequenceFileReader.Read(SharedData.File("sst2", "dev.tsv")).Examples[0].Text);
        SequenceDataset test = SequenceFileReader.Read(SharedData.File("sst2", "test.tsv"), new SequenceReadOptions { RequireLabels = false });
        Assert.Equal(1821, test.Examples.Count);
        Assert.Null(test.LabelColumn);
    }

    [SharedDataTheory]
    [InlineData("train.tsv", 2490, 1249, 1241)]
    [InlineData("dev.tsv", 277, 146, 131)]
    public void Rte(string file, int rows, int entailment, int notEntailment)
    {
        SequenceDataset d = SequenceFileReader.Read(SharedData.File("pairs", "rte", file));

        Assert.Equal(rows, d.Examples.Count);
        Assert.Equal(("sentence1", "sentence2", "label"), (d.TextColumn, d.PairColumn, d.LabelColumn));
        Assert.Equal(new Dictionary<string, int> { ["entailment"] = entailment, ["not_entailment"] = notEntailment }, Count(d.Examples.Select(e => e.Label)));
        Assert.Equal(3000, SequenceFileReader.Read(SharedData.File("pairs", "rte", "test.tsv"), new SequenceReadOptions { RequireLabels = false }).Examples.Count);
    }

    [SharedDataTheory]
    [InlineData("msr_paraphrase_train.txt", 4076, 2753, 1323)]
    [InlineData("msr_paraphrase_test.txt", 1725, 1147, 578)]
    public void Mrpc(string file, int pairs, int paraphrase, int other)
    {
        SequenceDataset d = SequenceFileReader.Read(SharedData.File("pairs", "mrpc", file));

        Assert.Equal(pairs, d.Examples.Count);
        Assert.Equal(("#1 String", "#2 String", "Quality"), (d.TextColumn, d.PairColumn, d.LabelColumn));
        Assert.Equal(new Dictionary<string, int> { ["1"] = paraphrase, ["0"] = other }, Count(d.Examples.Select(e => e.Label)));
    }

    [SharedDataTheory]
    [InlineData("train.tsv", 5749)]
    [InlineData("dev.tsv", 1500)]
    public void Stsb(string file, int rows)
    {
        SequenceDataset d = SequenceFileReader.Read(SharedData.File("pairs", "stsb", file), new SequenceReadOptions { LabelKind = LabelKind.Numeric });

        Assert.Equal(rows, d.Examples.Count);
        Assert.Equal(("sentence1", "sentence2", "score"), (d.TextColumn, d.PairColumn, d.LabelColumn));
        Assert.All(d.Examples, e => Assert.InRange(e.Value!.Value, 0f, 5f));
        Assert.Equal(1379, SequenceFileReader.Read(SharedData.File("pairs", "stsb", "test.tsv"), new SequenceReadOptions { RequireLabels = false }).Examples.Count);
    }

    [SharedDataTheory]
    [InlineData("eng.train", 14041, 203621, 946)]
    [InlineData("eng.testa", 3250, 51362, 216)]
    [InlineData("eng.testb", 3453, 46435, 231)]
    public void Conll2003(string file, int sentences, int tokens, int documents)
    {
        ConllDataset raw = ConllReader.Read(SharedData.File("ner", "conll2003", file), convertToIob2: false);
        ConllDataset iob2 = ConllReader.Read(SharedData.File("ner", "conll2003", file));

        Assert.Equal((sentences, tokens, documents), (iob2.Sentences.Count, iob2.WordCount, iob2.Documents));
        // IOB1 → IOB2 changes how entities are written, not which entities there are (read the seqeval way).
        Assert.Equal(SeqEval.GetEntities(raw.Sentences.Select(s => s.Tags!).ToArray()), SeqEval.GetEntities(iob2.Sentences.Select(s => s.Tags!).ToArray()));
        Assert.All(iob2.Sentences, s => Assert.False(s.Tags![0].StartsWith("I-", StringComparison.Ordinal)));
        Assert.Equal(["B-LOC", "B-MISC", "B-ORG", "B-PER", "I-LOC", "I-MISC", "I-ORG", "I-PER", "O"], iob2.Labels().Labels);
    }

    [SharedDataFact]
    public void Conll2003_train_tag_counts_before_conversion()
    {
        ConllDataset raw = ConllReader.Read(SharedData.File("ner", "conll2003", "eng.train"), convertToIob2: false);

        // SOURCE.md counts the tag column of every line: its O 170524 includes the 946 "-DOCSTART- -X- O O" lines,
        // which are document markers, not words.
        var expected = new Dictionary<string, int>
        {
            ["O"] = 170524 - 946, ["I-PER"] = 11128, ["I-ORG"] = 10001, ["I-LOC"] = 8286, ["I-MISC"] = 4556,
            ["B-MISC"] = 37, ["B-ORG"] = 24, ["B-LOC"] = 11,
        };
        Assert.Equal(expected, Count(raw.Sentences.SelectMany(s => s.Tags!)));
    }

    [SharedDataTheory]
    [InlineData("wnut17train.conll", 3394, 62730)]
    [InlineData("emerging.dev.conll", 1009, 15733)]
    [InlineData("emerging.test.annotated", 1287, 23394)]
    public void Wnut17(string file, int sentences, int tokens)
    {
        ConllDataset d = ConllReader.Read(SharedData.File("ner", "wnut17", file));

        Assert.Equal((sentences, tokens, 0), (d.Sentences.Count, d.WordCount, d.Documents));
        Assert.Equal(0, d.ConvertedTags); // already IOB2
    }

    [SharedDataFact]
    public void Wnut17_train_tag_counts()
    {
        ConllDataset d = ConllReader.Read(SharedData.File("ner", "wnut17", "wnut17train.conll"));

        var expected = new Dictionary<string, int>
        {
            ["O"] = 59570, ["B-person"] = 660, ["B-location"] = 548, ["I-person"] = 335, ["B-group"] = 264, ["I-location"] = 245,
            ["B-corporation"] = 221, ["I-creative-work"] = 206, ["I-product"] = 203, ["I-group"] = 150, ["B-product"] = 142,
            ["B-creative-work"] = 140, ["I-corporation"] = 46,
        };
        Assert.Equal(expected, Count(d.Sentences.SelectMany(s => s.Tags!)));
    }

    [SharedDataTheory]
    [InlineData("xquad.en.json")]
    [InlineData("xquad.zh.json")]
    public void Xquad(string file)
    {
        QaDataset d = SquadReader.Read(SharedData.File("qa", file)); // also checks all 1190 answers against their contexts

        Assert.Equal((48, 240, 1190), (d.Articles, d.Paragraphs, d.Examples.Count));
        Assert.All(d.Examples, q => Assert.Single(q.Answers));
        Assert.Empty(d.DroppedAnswers);
        QaExample panthers = d.Examples.Single(q => q.Id == "56beb4343aeaaa14008c925b");
        Assert.Equal(panthers.Answers[0].Text, panthers.Context[panthers.Answers[0].Start..panthers.Answers[0].End]);
    }

    [SharedDataFact]
    public void Xquad_answers_are_recovered_from_feature_positions_and_offsets()
    {
        QaDataset d = SquadReader.Read(SharedData.File("qa", "xquad.en.json"));
        QaFeature[] features = QaFeatures.Convert(d.Examples, GoldenCases.Tokenizer("bert-base-uncased", lowercase: true));

        int located = 0, exact = 0;
        foreach (var group in features.GroupBy(f => f.Example))
        {
            QaFeature? hit = group.FirstOrDefault(f => f.StartPosition > 0);
            if (hit is null)
                continue;
            located++;
            var offsets = hit.Encoding.Offsets;
            string span = d.Examples[group.Key].Context[offsets[hit.StartPosition].Start..offsets[hit.EndPosition].End];
            string answer = d.Examples[group.Key].Answers[0].Text;
            if (SquadV1.NormalizeAnswer(span) == SquadV1.NormalizeAnswer(answer))
                exact++;
            else
                output.WriteLine($"{d.Examples[group.Key].Id}: answer '{answer}', whole-token span '{span}'");
        }
        output.WriteLine($"XQuAD-en: {d.Examples.Count} questions, {features.Length} windows (384/128/64); answer inside a window: {located}; " +
                         $"span from token offsets equals the answer after SQuAD normalization: {exact}");
        Assert.Equal(d.Examples.Count, located);      // max 384 with stride 128 keeps every answer whole in some window
        Assert.True(exact >= 0.99 * located, $"{exact} of {located}"); // the rest start or end inside a word piece
    }

    [SharedDataFact]
    public void Length_bucketing_saves_at_least_three_times_the_padding_on_sst2_train()
    {
        SequenceDataset d = SequenceFileReader.Read(SharedData.File("sst2", "train.tsv"));
        var labels = LabelVocabulary.FromLabels(d.Examples.Select(e => e.Label));
        SequenceFeature[] features = SequenceFeatures.ForClassification(d.Examples, GoldenCases.Tokenizer("bert-base-uncased", lowercase: true), 64, labels, d.Path);
        int[] lengths = features.Select(f => f.Length).ToArray();

        long real = lengths.Sum(l => (long)l);
        long padTo64 = 64L * lengths.Length;
        long random = LengthBucketSampler.PaddedTokens(new LengthBucketSampler(lengths, 32, seed: 1, chunkBatches: 1).Epoch(0), lengths);
        long bucketed = LengthBucketSampler.PaddedTokens(new LengthBucketSampler(lengths, 32, seed: 1).Epoch(0), lengths);

        output.WriteLine($"SST-2 train: {lengths.Length} sentences, mean {real / (double)lengths.Length:F2} tokens ([CLS]/[SEP] included), max {lengths.Max()}");
        output.WriteLine($"tokens per epoch: real {real}; padded to 64 {padTo64} ({padTo64 / (double)real:F2}× real); " +
                         $"random batches of 32 padded to their longest {random} ({random / (double)real:F2}×); " +
                         $"length-bucketed batches of 32 (chunks of 50 batches) {bucketed} ({bucketed / (double)real:F3}×)");
        output.WriteLine($"padding to 64 costs {padTo64 / (double)bucketed:F2}× the bucketed batches");
        Assert.True(padTo64 >= 3 * bucketed, $"pad-to-64 {padTo64} vs bucketed {bucketed}");
    }
}
