using BertCore.Data.Tasks;
using BertCore.IO;
using BertCore.Tests.Text;
using Xunit;

namespace BertCore.Tests.Data;

public class SequenceFeaturesTests
{
    private static readonly BertCore.Text.BertTokenizer Tokenizer = ToyVocab.Tokenizer();

    [Fact]
    public void Classification_encodes_single_sentences_and_pairs_with_label_ids()
    {
        SequenceExample[] examples = [new("The cat sat", null, "pos", null, 2), new("dogs run", "the mat", "neg", null, 3)];
        var labels = LabelVocabulary.FromLabels(examples.Select(e => e.Label)); // [neg, pos]

        SequenceFeature[] f = SequenceFeatures.ForClassification(examples, Tokenizer, 128, labels, "train.tsv");

        Assert.Equal([2, 5, 6, 7, 3], f[0].Encoding.Ids);                        // [CLS] the cat sat [SEP]
        Assert.Equal([2, 10, 11, 12, 3, 5, 9, 3], f[1].Encoding.Ids);            // [CLS] dog ##s run [SEP] the mat [SEP]
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], f[1].Encoding.TypeIds);
        Assert.Equal([1, 0], f.Select(x => x.Label));
        Assert.All(f, x => Assert.True(float.IsNaN(x.Value)));
    }

    [Fact]
    public void Long_inputs_are_truncated_longest_first()
    {
        SequenceExample[] examples = [new("the cat sat on the mat", "dogs", "x", null, 2)];

        SequenceFeature f = SequenceFeatures.ForClassification(examples, Tokenizer, 7, new LabelVocabulary(["x"]), "d.tsv")[0];

        Assert.Equal(7, f.Length);
        Assert.Equal(["[CLS]", "the", "cat", "[SEP]", "dog", "##s", "[SEP]"], f.Encoding.Tokens);
    }

    [Fact]
    public void Unlabeled_examples_get_label_minus_one()
    {
        SequenceFeature f = SequenceFeatures.ForClassification([new("the cat", null, null, null, 2)], Tokenizer, 16, new LabelVocabulary(["x"]), "t.tsv")[0];
        Assert.Equal(-1, f.Label);
    }

    [Fact]
    public void A_label_the_model_does_not_know_names_the_file_and_line()
    {
        var e = Assert.Throws<InvalidFileException>(() =>
            SequenceFeatures.ForClassification([new("the cat", null, "maybe", null, 7)], Tokenizer, 16, new LabelVocabulary(["no", "yes"]), "dev.tsv"));

        Assert.Equal(("dev.tsv", 7), (e.Path, e.Line));
        Assert.Contains("'maybe' is not one of the model's labels [no, yes]", e.Problem);
    }

    [Fact]
    public void Regression_targets_are_the_parsed_values()
    {
        SequenceExample[] examples = [new("the cat", "the dog", "3.800", 3.8f, 2), new("a", "b", null, null, 3)];

        SequenceFeature[] f = SequenceFeatures.ForRegression(examples, Tokenizer, 16, "stsb.tsv");

        Assert.Equal(3.8f, f[0].Value);
        Assert.True(float.IsNaN(f[1].Value));
        Assert.All(f, x => Assert.Equal(-1, x.Label));
        Assert.Throws<InvalidFileException>(() => SequenceFeatures.ForRegression([new("a", null, "high", null, 4)], Tokenizer, 16, "stsb.tsv"));
    }
}
